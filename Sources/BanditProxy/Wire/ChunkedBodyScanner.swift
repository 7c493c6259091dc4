/// Follows a chunked body (RFC 9112 §7.1) byte by byte to find where it ends and which
/// bytes are data, without copying it: the proxy forwards the chunks as they came, or only
/// their data to a client that cannot read chunks.
///
/// As strict as llhttp: hex sizes that fit an `Int`, CRLF after every size and every
/// chunk, extensions and trailer fields without control bytes, trailer lines not folded.
struct ChunkedBodyScanner {
    private enum State {
        case size(digits: Int, value: Int)
        /// Spaces after the size, before `;` or CRLF.
        case sizeWhitespace(value: Int)
        case chunkExtension(value: Int)
        case sizeLineFeed(value: Int)
        case data(remaining: Int)
        case dataCarriageReturn
        case dataLineFeed
        case trailerLineStart
        case trailerName(length: Int)
        case trailerValue
        case trailerLineFeed
        case finalLineFeed
        case done
    }

    private var state = State.size(digits: 0, value: 0)
    private var trailerBytes = 0
    /// Chunk data scanned so far.
    private(set) var dataBytes = 0
    static let maxTrailerBytes = 64 * 1024

    var isDone: Bool {
        if case .done = state { return true }
        return false
    }

    /// Scans `bytes` and returns how many belong to the body: all of them, or fewer when it
    /// ended within them. With `stopAfterData`, stops after the first range of chunk data
    /// and returns it too (the caller then passes on only the data).
    mutating func scan(_ bytes: UnsafeRawBufferPointer, stopAfterData: Bool) throws -> (
        consumed: Int, data: Range<Int>?
    ) {
        var index = 0
        while index < bytes.count {
            if case .data(let remaining) = state {
                let take = min(remaining, bytes.count - index)
                state = remaining == take ? .dataCarriageReturn : .data(remaining: remaining - take)
                dataBytes += take
                if stopAfterData { return (index + take, index..<index + take) }
                index += take
                continue
            }
            if case .done = state { break }
            try step(bytes[index])
            index += 1
        }
        return (index, nil)
    }

    private mutating func step(_ byte: UInt8) throws {
        switch state {
        case .size(let digits, let value):
            if let digit = HTTPSyntax.hexValue(byte) {
                guard digits < 15 else { throw WireError.malformedChunk }  // would overflow an Int
                state = .size(digits: digits + 1, value: value << 4 | digit)
            } else {
                guard digits > 0 else { throw WireError.malformedChunk }
                try afterSize(byte, value: value)
            }
        case .sizeWhitespace(let value):
            try afterSize(byte, value: value)
        case .chunkExtension(let value):
            if byte == HTTPSyntax.cr {
                state = .sizeLineFeed(value: value)
            } else if !HTTPSyntax.isFieldValueByte(byte) {
                throw WireError.malformedChunk
            }
        case .sizeLineFeed(let value):
            guard byte == HTTPSyntax.lf else { throw WireError.malformedChunk }
            state = value == 0 ? .trailerLineStart : .data(remaining: value)
        case .data:
            preconditionFailure("data is consumed by scan")
        case .dataCarriageReturn:
            guard byte == HTTPSyntax.cr else { throw WireError.malformedChunk }
            state = .dataLineFeed
        case .dataLineFeed:
            guard byte == HTTPSyntax.lf else { throw WireError.malformedChunk }
            state = .size(digits: 0, value: 0)
        case .trailerLineStart:
            if byte == HTTPSyntax.cr {
                state = .finalLineFeed
            } else {
                guard HTTPSyntax.isTokenByte(byte) else { throw WireError.malformedChunk }  // also obs-fold
                try countTrailerByte()
                state = .trailerName(length: 1)
            }
        case .trailerName(let length):
            try countTrailerByte()
            if byte == HTTPSyntax.colon {
                state = .trailerValue
            } else {
                guard HTTPSyntax.isTokenByte(byte) else { throw WireError.malformedChunk }
                state = .trailerName(length: length + 1)
            }
        case .trailerValue:
            try countTrailerByte()
            if byte == HTTPSyntax.cr {
                state = .trailerLineFeed
            } else if !HTTPSyntax.isFieldValueByte(byte) {
                throw WireError.malformedChunk
            }
        case .trailerLineFeed:
            guard byte == HTTPSyntax.lf else { throw WireError.malformedChunk }
            state = .trailerLineStart
        case .finalLineFeed:
            guard byte == HTTPSyntax.lf else { throw WireError.malformedChunk }
            state = .done
        case .done:
            preconditionFailure("nothing follows the end of a body")
        }
    }

    private mutating func afterSize(_ byte: UInt8, value: Int) throws {
        switch byte {
        case HTTPSyntax.cr: state = .sizeLineFeed(value: value)
        case UInt8(ascii: ";"): state = .chunkExtension(value: value)
        case HTTPSyntax.space, HTTPSyntax.tab: state = .sizeWhitespace(value: value)
        default: throw WireError.malformedChunk
        }
    }

    private mutating func countTrailerByte() throws {
        trailerBytes += 1
        guard trailerBytes <= Self.maxTrailerBytes else { throw WireError.malformedChunk }
    }
}
