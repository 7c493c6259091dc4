import NIOCore

/// Parses an HTTP/1.x response head in place, as strictly as llhttp (`FieldLines`), with
/// one Content-Length (repeats must agree), never with Transfer-Encoding.
enum ResponseHeadParser {
    /// The head at the start of `buffer`, or nil while it is incomplete. `searchFrom` skips
    /// what an earlier call already searched for the blank line; the head's field table is
    /// written in `fieldTable` (see `FieldLines.parse`).
    static func parse(
        _ buffer: ByteBuffer, maxBytes: Int, searchFrom: inout Int, fieldTable: inout [HeadField]
    ) throws -> UpstreamResponseHead? {
        try FieldLines.readHead(
            from: buffer, maxBytes: maxBytes, searchFrom: &searchFrom, fieldTable: &fieldTable, parseHead)
    }

    private static func parseHead(
        _ raw: UnsafeRawBufferPointer, bytes: ByteBuffer, fieldTable: inout [HeadField]
    ) throws -> UpstreamResponseHead {
        // Status line: HTTP/1.x SP 3DIGIT [SP reason] CRLF
        guard raw.count >= 14, HTTPSyntax.has("HTTP/1.", in: raw, at: 0),
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
        let framing = try FieldLines.parse(raw, from: position + 2, repeatedLengthAllowed: true, into: &fieldTable)
        return UpstreamResponseHead(
            bytes: bytes, status: status, minorVersion: Int(raw[7] - UInt8(ascii: "0")), reason: reason,
            fields: fieldTable, framing: framing)
    }
}
