import NIOCore

/// Parses an HTTP/1.x response head in place, as strictly as llhttp: CRLF line ends,
/// token field names with the colon right after them, no control bytes in values, no
/// obs-fold, one Content-Length (repeats must agree), never with Transfer-Encoding.
enum ResponseHeadParser {
    /// The head at the start of `buffer` and its length, or nil while it is incomplete.
    /// `searchFrom` skips what an earlier call already searched for the blank line.
    static func parse(_ buffer: ByteBuffer, maxBytes: Int, searchFrom: inout Int) throws -> UpstreamResponseHead? {
        let length = buffer.withUnsafeReadableBytes { headLength(in: $0, from: searchFrom) }
        guard let length else {
            guard buffer.readableBytes <= maxBytes else { throw WireError.headTooLarge }
            searchFrom = max(0, buffer.readableBytes - 3)
            return nil
        }
        guard length <= maxBytes else { throw WireError.headTooLarge }
        searchFrom = 0
        let bytes = buffer.getSlice(at: buffer.readerIndex, length: length)!
        return try bytes.withUnsafeReadableBytes { raw in try parseHead(raw, bytes: bytes) }
    }

    /// The length of the head through its blank line (`\r\n\r\n`), if it is all there.
    static func headLength(in raw: UnsafeRawBufferPointer, from start: Int) -> Int? {
        guard raw.count >= 4 else { return nil }
        var index = start
        while index + 3 < raw.count {
            if raw[index + 3] == HTTPSyntax.lf && raw[index] == HTTPSyntax.cr && raw[index + 1] == HTTPSyntax.lf
                && raw[index + 2] == HTTPSyntax.cr
            {
                return index + 4
            }
            index += 1
        }
        return nil
    }

    private static func parseHead(_ raw: UnsafeRawBufferPointer, bytes: ByteBuffer) throws -> UpstreamResponseHead {
        // Status line: HTTP/1.x SP 3DIGIT [SP reason] CRLF
        guard raw.count >= 14, raw.starts(with: "HTTP/1.".utf8),
            raw[7] == UInt8(ascii: "0") || raw[7] == UInt8(ascii: "1"), raw[8] == HTTPSyntax.space
        else { throw WireError.malformedStartLine }
        var status = 0
        for index in 9..<12 {
            guard raw[index] >= UInt8(ascii: "0") && raw[index] <= UInt8(ascii: "9") else {
                throw WireError.malformedStartLine
            }
            status = status * 10 + Int(raw[index] - UInt8(ascii: "0"))
        }
        guard status >= 100 else { throw WireError.malformedStartLine }
        var position = 12
        var reasonStart = 12
        if raw[position] == HTTPSyntax.space {
            position += 1
            reasonStart = position
            while HTTPSyntax.isFieldValueByte(raw[position]) { position += 1 }
        }
        let reason = reasonStart..<position
        guard raw[position] == HTTPSyntax.cr, raw[position + 1] == HTTPSyntax.lf else {
            throw WireError.malformedStartLine
        }
        position += 2

        var fields: [UpstreamResponseHead.Field] = []
        fields.reserveCapacity(16)
        var framing = FramingFields()
        let blankLine = raw.count - 2
        while position < blankLine {
            let field = try parseField(raw, at: &position)
            try framing.note(field, in: raw)
            fields.append(field)
        }
        if framing.contentLength != nil && framing.transferCoding != .none {
            throw WireError.contentLengthWithTransferEncoding
        }
        return UpstreamResponseHead(
            bytes: bytes, status: status, minorVersion: Int(raw[7] - UInt8(ascii: "0")), reason: reason,
            fields: fields, contentLength: framing.contentLength, transferCoding: framing.transferCoding,
            connectionClose: framing.connectionClose, connectionKeepAlive: framing.connectionKeepAlive,
            connectionListsFields: framing.connectionListsFields)
    }

    /// One `name: value CRLF` line; `position` moves past it. The head's final CRLF CRLF
    /// guarantees every line ends before the buffer does.
    static func parseField(_ raw: UnsafeRawBufferPointer, at position: inout Int) throws -> UpstreamResponseHead.Field {
        let nameStart = position
        if HTTPSyntax.isWhitespace(raw[position]) { throw WireError.obsoleteLineFolding }
        while HTTPSyntax.isTokenByte(raw[position]) { position += 1 }
        guard position > nameStart, raw[position] == HTTPSyntax.colon else { throw WireError.malformedField }
        let nameEnd = position
        position += 1
        while HTTPSyntax.isWhitespace(raw[position]) { position += 1 }
        let valueStart = position
        while HTTPSyntax.isFieldValueByte(raw[position]) { position += 1 }
        var valueEnd = position
        while valueEnd > valueStart && HTTPSyntax.isWhitespace(raw[valueEnd - 1]) { valueEnd -= 1 }
        guard raw[position] == HTTPSyntax.cr, raw[position + 1] == HTTPSyntax.lf else { throw WireError.malformedField }
        position += 2
        return .init(
            nameStart: Int32(nameStart), nameEnd: Int32(nameEnd), valueStart: Int32(valueStart),
            valueEnd: Int32(valueEnd))
    }
}

/// What the framing and connection fields of a head say, noted field by field.
struct FramingFields {
    var contentLength: Int?
    var transferCoding = UpstreamResponseHead.TransferCoding.none
    var connectionClose = false
    var connectionKeepAlive = false
    var connectionListsFields = false
    var connectionListsUpgrade = false

    mutating func note(_ field: UpstreamResponseHead.Field, in raw: UnsafeRawBufferPointer) throws {
        let name = raw.name(of: field)
        let value = raw.value(of: field)
        switch name.count {
        case 14 where HTTPSyntax.equalsLowercase(name, "content-length"):
            let length = try Self.contentLength(value)
            if let contentLength, contentLength != length { throw WireError.conflictingContentLengths }
            contentLength = length
        case 17 where HTTPSyntax.equalsLowercase(name, "transfer-encoding"):
            // Several fields form one list; chunked counts only as the last coding (RFC 9112 §6.3).
            HTTPSyntax.forEachListElement(in: value) { coding in
                transferCoding = HTTPSyntax.equalsLowercase(coding, "chunked") ? .chunked : .other
            }
        case 10 where HTTPSyntax.equalsLowercase(name, "connection"):
            HTTPSyntax.forEachListElement(in: value) { option in
                if HTTPSyntax.equalsLowercase(option, "close") {
                    connectionClose = true
                } else if HTTPSyntax.equalsLowercase(option, "keep-alive") {
                    connectionKeepAlive = true
                } else {
                    if HTTPSyntax.equalsLowercase(option, "upgrade") { connectionListsUpgrade = true }
                    connectionListsFields = true
                }
            }
        default:
            break
        }
    }

    /// 1*DIGIT, and small enough to count in an `Int`.
    static func contentLength(_ value: UnsafeRawBufferPointer) throws -> Int {
        guard !value.isEmpty, value.count <= 18 else { throw WireError.invalidContentLength }
        var length = 0
        for byte in value {
            guard byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") else { throw WireError.invalidContentLength }
            length = length * 10 + Int(byte - UInt8(ascii: "0"))
        }
        return length
    }
}
