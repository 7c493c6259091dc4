/// Writes text into memory reserved for all of it, such as a `Set-Cookie` value built in
/// `String(unsafeUninitializedCapacity:)`: no String for any piece (a `+=` or an
/// interpolation of each piece cost more than copying its bytes). Every append checks the
/// room left, so a reservation that was too small stops the program rather than writing
/// past it. Public for the proxy's own header lines, written the same way into a `ByteBuffer`.
public struct UTF8Writer {
    private let buffer: UnsafeMutableBufferPointer<UInt8>
    /// Bytes written so far.
    public private(set) var count = 0

    /// Writes into `buffer` from its start; it must have room for everything.
    public init(_ buffer: UnsafeMutableBufferPointer<UInt8>) { self.buffer = buffer }

    /// Over raw memory, such as a `ByteBuffer`'s writable bytes.
    public init(_ raw: UnsafeMutableRawBufferPointer) { self.init(raw.bindMemory(to: UInt8.self)) }

    /// The bytes written from `start` on.
    func written(from start: Int) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(UnsafeMutableBufferPointer(rebasing: buffer[start..<count]))
    }

    /// One byte.
    public mutating func append(_ byte: UInt8) {
        precondition(count < buffer.count, "UTF8Writer: reserved too little")
        buffer[count] = byte
        count += 1
    }

    /// The bytes, copied as they are.
    public mutating func append(_ bytes: UnsafeRawBufferPointer) {
        precondition(count + bytes.count <= buffer.count, "UTF8Writer: reserved too little")
        UnsafeMutableRawBufferPointer(UnsafeMutableBufferPointer(rebasing: buffer[count...])).copyMemory(from: bytes)
        count += bytes.count
    }

    /// A literal's UTF-8 bytes.
    public mutating func append(_ text: StaticString) {
        append(UnsafeRawBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }

    /// The string's UTF-8 bytes.
    public mutating func append(_ text: String) {
        let copied: Void? = text.utf8.withContiguousStorageIfAvailable { append(UnsafeRawBufferPointer($0)) }
        if copied == nil {
            for byte in text.utf8 { append(byte) }  // a String not stored as UTF-8 (none on Linux)
        }
    }

    /// An integer in decimal: up to 20 bytes (a sign and 19 digits).
    public mutating func append(_ number: Int) {
        if number < 0 { append(UInt8(ascii: "-")) }
        var digits = 1
        var rest = number.magnitude / 10
        while rest > 0 {
            digits += 1
            rest /= 10
        }
        precondition(count + digits <= buffer.count, "UTF8Writer: reserved too little")
        var value = number.magnitude
        for index in (count..<count + digits).reversed() {
            buffer[index] = UInt8(ascii: "0") + UInt8(value % 10)
            value /= 10
        }
        count += digits
    }

    /// Up to `maximum` bytes written by `body` into the room after what is written, which it
    /// returns the length of.
    public mutating func append(upTo maximum: Int, _ body: (UnsafeMutableBufferPointer<UInt8>) -> Int) {
        precondition(count + maximum <= buffer.count, "UTF8Writer: reserved too little")
        let written = body(UnsafeMutableBufferPointer(rebasing: buffer[count..<count + maximum]))
        precondition(written <= maximum)
        count += written
    }
}
