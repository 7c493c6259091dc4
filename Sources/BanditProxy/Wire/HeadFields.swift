import Foundation  // memchr
import NIOCore

/// Offsets of a field's name and (trimmed) value within the bytes of its head.
struct HeadField {
    var nameStart: Int32
    var nameEnd: Int32
    var valueStart: Int32
    var valueEnd: Int32
}

/// A head parsed in place: its bytes, and where each field lies in them.
protocol ParsedHead {
    var bytes: ByteBuffer { get }
    var fields: [HeadField] { get }
}

extension ParsedHead {
    func withBytes<T>(_ body: (UnsafeRawBufferPointer) throws -> T) rethrows -> T {
        try bytes.withUnsafeReadableBytes(body)
    }

    /// The fields as strings, for the admin API and tests (not the hot path).
    var headerList: [(name: String, value: String)] {
        withBytes { raw in
            fields.map {
                (String(decoding: raw.name(of: $0), as: UTF8.self), String(decoding: raw.value(of: $0), as: UTF8.self))
            }
        }
    }

    /// The `X-Forwarded-For`, `Forwarded` and `X-Real-IP` fields, in order: all that
    /// `ForwardedClient` reads, without a string for every other field.
    var forwardingHeaders: [(name: String, value: String)] {
        withBytes { raw in
            var found: [(name: String, value: String)] = []
            for field in fields {
                let name = raw.name(of: field)
                guard
                    HTTPSyntax.equalsLowercase(name, "x-forwarded-for") || HTTPSyntax.equalsLowercase(name, "forwarded")
                        || HTTPSyntax.equalsLowercase(name, "x-real-ip")
                else { continue }
                found.append(
                    (String(decoding: name, as: UTF8.self), String(decoding: raw.value(of: field), as: UTF8.self)))
            }
            return found
        }
    }

    /// The first value of the field `name` (lowercase), as a string.
    func firstValue(of name: StaticString) -> String? {
        withBytes { raw in
            for field in fields where HTTPSyntax.equalsLowercase(raw.name(of: field), name) {
                return String(decoding: raw.value(of: field), as: UTF8.self)
            }
            return nil
        }
    }

    /// The first value of the field `name` (lowercase), for a name known only at run time
    /// (an experiment's `header:NAME` segment); a view's, never on every request.
    func firstValue(named name: String) -> String? {
        withBytes { raw in
            for field in fields {
                let fieldName = raw.name(of: field)
                guard fieldName.count == name.utf8.count,
                    zip(fieldName, name.utf8).allSatisfy({ HTTPSyntax.lowercased($0) == $1 })
                else { continue }
                return String(decoding: raw.value(of: field), as: UTF8.self)
            }
            return nil
        }
    }

    /// The field names a `Connection` field lists besides `close` and `keep-alive`, as
    /// ranges of `raw`: hop-by-hop too (RFC 9110 §7.6.1). Usually there are none.
    func connectionListed(in raw: UnsafeRawBufferPointer) -> [Range<Int>] {
        var listed: [Range<Int>] = []
        for field in fields where HTTPSyntax.equalsLowercase(raw.name(of: field), "connection") {
            HTTPSyntax.forEachListElement(in: raw.value(of: field)) { option in
                guard !HTTPSyntax.equalsLowercase(option, "close"), !HTTPSyntax.equalsLowercase(option, "keep-alive")
                else { return }
                let start = option.baseAddress! - raw.baseAddress!
                listed.append(start..<start + option.count)
            }
        }
        return listed
    }

    /// Every value of the field `name` (lowercase) in one string, joined by `separator`; nil
    /// if there is none. One allocation for the usual single field, none for a short one.
    func joinedValues(of name: StaticString, separator: StaticString) -> String? {
        withBytes { raw in
            var joined: String?
            for field in fields where HTTPSyntax.equalsLowercase(raw.name(of: field), name) {
                let value = String(decoding: raw.value(of: field), as: UTF8.self)
                if joined == nil {
                    joined = value
                } else {
                    joined! += separator.description + value
                }
            }
            return joined
        }
    }
}

extension UnsafeRawBufferPointer {
    /// Whether one of the `listed` ranges of `self` names `name`, in any letter case.
    func lists(_ name: UnsafeRawBufferPointer, in listed: [Range<Int>]) -> Bool {
        listed.contains { range in
            HTTPSyntax.equalIgnoringCase(self[range], name)
        }
    }

    func name(of field: HeadField) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: self[Int(field.nameStart)..<Int(field.nameEnd)])
    }

    func value(of field: HeadField) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: self[Int(field.valueStart)..<Int(field.valueEnd)])
    }
}

/// What the framing and connection fields of a head say, noted field by field.
struct FramingFields {
    enum TransferCoding {
        case none, chunked
        /// Codings that do not end in chunked.
        case other
    }

    var contentLength: Int?
    var transferCoding = TransferCoding.none
    /// Some coding besides chunked is listed (gzip, say).
    var appliesOtherCodings = false
    private var appliesChunked = false
    var connectionClose = false
    var connectionKeepAlive = false
    /// `Connection` names other fields, which are then hop-by-hop too.
    var connectionListsFields = false
    var connectionListsUpgrade = false

    /// Whether the connection stays open after this message, for this HTTP/1.x version.
    func keepsAlive(minorVersion: Int) -> Bool {
        !connectionClose && (minorVersion >= 1 || connectionKeepAlive)
    }

    /// Notes one field. A request may not repeat Content-Length at all (llhttp refuses it);
    /// a response may, with the same value.
    mutating func note(_ field: HeadField, in raw: UnsafeRawBufferPointer, repeatedLengthAllowed: Bool) throws {
        let name = raw.name(of: field)
        let value = raw.value(of: field)
        switch name.count {
        case 14 where HTTPSyntax.equalsLowercase(name, "content-length"):
            let length = try Self.contentLength(value)
            if let contentLength, contentLength != length || !repeatedLengthAllowed {
                throw WireError.conflictingContentLengths
            }
            contentLength = length
        case 17 where HTTPSyntax.equalsLowercase(name, "transfer-encoding"):
            // Several fields form one list, empty elements ignored (RFC 9110 §5.6.1); chunked
            // counts only as the last coding (RFC 9112 §6.3), and only once.
            var chunkedTwice = false
            HTTPSyntax.forEachListElement(in: value) { coding in
                if HTTPSyntax.equalsLowercase(coding, "chunked") {
                    chunkedTwice = chunkedTwice || appliesChunked
                    appliesChunked = true
                    transferCoding = .chunked
                } else {
                    appliesOtherCodings = true
                    transferCoding = .other
                }
            }
            if chunkedTwice { throw WireError.invalidTransferEncoding }
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

/// The field lines of a head, parsed as strictly as llhttp: CRLF line ends, token names
/// with the colon right after them, no control bytes in values, no obs-fold.
enum FieldLines {
    /// The head at the start of `buffer` (a slice of it, through its blank line), or nil while
    /// it is incomplete; too large a head is refused before it ends. `searchFrom` skips what
    /// an earlier call already searched.
    static func locateHead(in buffer: ByteBuffer, maxBytes: Int, searchFrom: inout Int) throws -> ByteBuffer? {
        let length = buffer.withUnsafeReadableBytes { headLength(in: $0, from: searchFrom) }
        guard let length else {
            guard buffer.readableBytes <= maxBytes else { throw WireError.headTooLarge }
            searchFrom = max(0, buffer.readableBytes - 3)
            return nil
        }
        guard length <= maxBytes else { throw WireError.headTooLarge }
        searchFrom = 0
        return buffer.getSlice(at: buffer.readerIndex, length: length)!
    }

    /// The head at the start of `buffer`, once its blank line has arrived, read in place by
    /// `parseHead` (its raw bytes, the head's own slice, the field table to fill); nil until then.
    static func readHead<Head>(
        from buffer: ByteBuffer, maxBytes: Int, searchFrom: inout Int, fieldTable: inout [HeadField],
        _ parseHead: (UnsafeRawBufferPointer, ByteBuffer, inout [HeadField]) throws -> Head
    ) throws -> Head? {
        guard let bytes = try locateHead(in: buffer, maxBytes: maxBytes, searchFrom: &searchFrom) else { return nil }
        return try bytes.withUnsafeReadableBytes { raw in try parseHead(raw, bytes, &fieldTable) }
    }

    /// The length of the head through its blank line (`\r\n\r\n`), if it is all there;
    /// `from` skips what an earlier search covered.
    ///
    /// Each line feed is found with the C library's `memchr` (many bytes per step) and the
    /// three bytes before it checked: a browser's head of a kilobyte or two, read a byte at a
    /// time, took a visible share of each request.
    static func headLength(in raw: UnsafeRawBufferPointer, from start: Int) -> Int? {
        guard let base = raw.baseAddress else { return nil }
        var lineFeedFrom = start + 3  // the blank line's LF, with CR LF CR before it
        while lineFeedFrom < raw.count,
            let found = memchr(base + lineFeedFrom, Int32(HTTPSyntax.lf), raw.count - lineFeedFrom)
        {
            let lineFeed = base.distance(to: UnsafeRawPointer(found))
            if raw[lineFeed - 1] == HTTPSyntax.cr && raw[lineFeed - 2] == HTTPSyntax.lf
                && raw[lineFeed - 3] == HTTPSyntax.cr
            {
                return lineFeed + 1
            }
            lineFeedFrom = lineFeed + 1
        }
        return nil
    }

    /// The fields from `position` to the head's blank line, which ends `raw`.
    /// `fields` is emptied and filled: a reader passes the table of its previous head, whose
    /// storage is reused once that head is gone (one allocation less per message).
    static func parse(
        _ raw: UnsafeRawBufferPointer, from start: Int, repeatedLengthAllowed: Bool, into fields: inout [HeadField]
    ) throws -> FramingFields {
        fields.removeAll(keepingCapacity: true)
        fields.reserveCapacity(16)
        var framing = FramingFields()
        var position = start
        let blankLine = raw.count - 2
        while position < blankLine {
            let field = try parseField(raw, at: &position)
            try framing.note(field, in: raw, repeatedLengthAllowed: repeatedLengthAllowed)
            fields.append(field)
        }
        if framing.contentLength != nil && framing.transferCoding != .none {
            throw WireError.contentLengthWithTransferEncoding
        }
        return framing
    }

    /// One `name: value CRLF` line; `position` moves past it. The head's final CRLF CRLF
    /// guarantees every line ends before the buffer does.
    static func parseField(_ raw: UnsafeRawBufferPointer, at position: inout Int) throws -> HeadField {
        let nameStart = position
        if HTTPSyntax.isWhitespace(raw[position]) { throw WireError.obsoleteLineFolding }
        while HTTPSyntax.isTokenByte(raw[position]) { position += 1 }
        guard position > nameStart, raw[position] == HTTPSyntax.colon else { throw WireError.malformedField }
        let nameEnd = position
        position += 1
        while HTTPSyntax.isWhitespace(raw[position]) { position += 1 }
        let valueStart = position
        position = HTTPSyntax.skipPlainValueWords(in: raw, from: position)
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
