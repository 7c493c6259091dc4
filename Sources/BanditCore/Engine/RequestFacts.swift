/// What the engine needs to know about a request: plain values, no protocol types.
public struct RequestFacts: Sendable {
    public var method: String
    /// The request target as received, e.g. `/pricing/?cta=green`.
    public var uri: String
    /// The `Cookie` header's value; several are joined by "; ", as RFC 9113 §8.2.3 lets a
    /// recipient do (one string, not an array of them: two allocations less per request).
    public var cookieHeader: String?
    public var userAgent: String?
    /// The client reached us over HTTPS (directly or as told by a trusted `X-Forwarded-Proto`).
    public var isHTTPS: Bool
    /// Seconds since 1970, for attribution windows; nil: the clock (tests set it).
    public var now: Int?

    public init(
        method: String = "GET", uri: String, cookieHeader: String?, userAgent: String? = nil,
        isHTTPS: Bool = false, now: Int? = nil
    ) {
        self.method = method
        self.uri = uri
        self.cookieHeader = cookieHeader
        self.userAgent = userAgent
        self.isHTTPS = isHTTPS
        self.now = now
    }

    /// The same with each `Cookie` header's value apart.
    public init(
        method: String = "GET", uri: String, cookieHeaders: [String] = [], userAgent: String? = nil,
        isHTTPS: Bool = false, now: Int? = nil
    ) {
        self.init(
            method: method, uri: uri, cookieHeader: cookieHeaders.isEmpty ? nil : cookieHeaders.joined(separator: "; "),
            userAgent: userAgent, isHTTPS: isHTTPS, now: now)
    }

    /// The value of the first query parameter called `name` (undecoded), if any.
    public func queryValue(named name: String) -> Substring? {
        let target = Substring(uri)
        guard let question = target.utf8.firstIndex(of: UInt8(ascii: "?")) else { return nil }
        return RequestQuery(target[target.utf8.index(after: question)...]).value(named: name)
    }

    /// The value of the first cookie called `name`, if any.
    public func cookie(named name: String) -> Substring? {
        guard let header = cookieHeader else { return nil }
        // Bytes where they give the same answer (an ASCII name and header, stored
        // contiguously: the usual case), else Characters.
        let asciiName = name.utf8.allSatisfy { $0 < 0x80 }
        let scan = asciiName ? header.utf8.withContiguousStorageIfAvailable { Self.scan($0, for: name) } : nil
        switch scan {
        case .found(let range)?:
            let utf8 = header.utf8
            return header[
                utf8.index(
                    utf8.startIndex, offsetBy: range.lowerBound)..<utf8.index(
                        utf8.startIndex, offsetBy: range.upperBound)]
        case .absent?:
            return nil
        case .notASCII?, nil:
            return Self.cookie(named: name, in: header)
        }
    }

    /// The first cookie called `name` in one header, read Character by Character (as
    /// `split(separator: ";")` would cut it, without building an array of the pairs).
    static func cookie(named name: String, in header: String) -> Substring? {
        var rest = header[...]
        while !rest.isEmpty {
            let end = rest.firstIndex(of: ";") ?? rest.endIndex
            let pair = rest[..<end]
            rest = end == rest.endIndex ? rest[end...] : rest[rest.index(after: end)...]
            let trimmed = pair.drop { $0 == " " || $0 == "\t" }
            guard let equals = trimmed.firstIndex(of: "=") else { continue }
            if trimmed[..<equals] == name {
                var value = trimmed[trimmed.index(after: equals)...]
                while value.last == " " || value.last == "\t" { value = value.dropLast() }
                if value.count >= 2, value.first == "\"", value.last == "\"" {
                    value = value.dropFirst().dropLast()
                }
                return value
            }
        }
        return nil
    }

    enum ByteScan: Equatable {
        /// The value's byte offsets in the header.
        case found(Range<Int>)
        case absent
        /// The header has a byte of 0x80 or more: its Characters must be read.
        case notASCII
    }

    /// The same search over the bytes of a header, for an ASCII `name`. Reading Characters
    /// costs hundreds of instructions each, so a kilobyte of cookies (analytics, consent)
    /// took tens of microseconds per request. In ASCII every byte is a Character, but for
    /// CR LF, which holds none of the bytes looked for here, and two ASCII strings are
    /// equal as Strings exactly when their bytes are: both searches cut at the same places.
    static func scan(_ bytes: UnsafeBufferPointer<UInt8>, for name: String) -> ByteScan {
        for byte in bytes where byte >= 0x80 { return .notASCII }
        func isBlank(_ byte: UInt8) -> Bool { byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") }
        var start = 0
        while start < bytes.count {
            let pairStart = start
            var end = start
            while end < bytes.count, bytes[end] != UInt8(ascii: ";") { end += 1 }
            start = end + 1
            var nameStart = pairStart
            while nameStart < end, isBlank(bytes[nameStart]) { nameStart += 1 }
            var equals = nameStart
            while equals < end, bytes[equals] != UInt8(ascii: "=") { equals += 1 }
            guard equals < end, name.utf8.elementsEqual(bytes[nameStart..<equals]) else { continue }
            var valueStart = equals + 1
            var valueEnd = end
            while valueEnd > valueStart, isBlank(bytes[valueEnd - 1]) { valueEnd -= 1 }
            if valueEnd - valueStart >= 2, bytes[valueStart] == UInt8(ascii: "\""),
                bytes[valueEnd - 1] == UInt8(ascii: "\"")
            {
                valueStart += 1
                valueEnd -= 1
            }
            return .found(valueStart..<valueEnd)
        }
        return .absent
    }
}
