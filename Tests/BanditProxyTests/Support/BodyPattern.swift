import BanditCore
import Foundation
import NIOCore

/// A deterministic byte stream of any length, generated and checked chunk by chunk so that
/// neither end ever holds more than a chunk: byte `i` is `block[i % period]`.
///
/// The period is prime, so a lost, repeated or reordered piece of any size shifts the bytes
/// against the block and fails the check. Both generating and checking are `memcpy` and
/// `memcmp`, fast enough for hundreds of MiB in a debug build.
enum BodyPattern {
    static let period = 65_521

    /// The block twice, so any `period` bytes from any offset are one contiguous slice.
    private static let doubled: [UInt8] = {
        var rng = SplitMix64(seed: 0x5EED_B0D1)
        let block = (0..<period).map { _ in UInt8.random(in: 0...255, using: &rng) }
        return block + block
    }()

    /// Appends the `length` bytes of the stream that start at `offset`.
    static func write(offset: Int, length: Int, into buffer: inout ByteBuffer) {
        var written = 0
        while written < length {
            let start = (offset + written) % period
            let count = min(length - written, period)
            doubled.withUnsafeBytes { block in
                _ = buffer.writeBytes(UnsafeRawBufferPointer(rebasing: block[start..<start + count]))
            }
            written += count
        }
    }

    /// Whether `bytes` are the stream's bytes from `offset` on.
    static func matches(_ bytes: ByteBufferView, at offset: Int) -> Bool {
        bytes.withContiguousStorageIfAvailable { received in
            doubled.withUnsafeBytes { expected in
                var checked = 0
                while checked < received.count {
                    let start = (offset + checked) % period
                    let count = min(received.count - checked, period)
                    if memcmp(received.baseAddress! + checked, expected.baseAddress! + start, count) != 0 {
                        return false
                    }
                    checked += count
                }
                return true
            }
        } ?? false
    }
}
