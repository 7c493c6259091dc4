import Foundation  // memchr, memcmp

/// What the engine needs to know about a request: plain values, no protocol types.
public struct RequestFacts: Sendable {
    /// The request method as received (`GET`, `POST`), compared with a goal's `method`.
    public var method: String
    /// The request target as received, e.g. `/pricing/?cta=green`.
    public var uri: String
    /// The `Cookie` header's value; several are joined by "; ", as RFC 9113 §8.2.3 lets a
    /// recipient do (one string, not an array of them: two allocations less per request).
    public var cookieHeader: String?
    /// The `User-Agent` header's value; needed only when `ExperimentEngine.readsUserAgent`.
    public var userAgent: String?
    /// The client reached us over HTTPS (directly or as told by a trusted `X-Forwarded-Proto`).
    public var isHTTPS: Bool
    /// Seconds since 1970, for attribution windows; nil: the clock (tests set it).
    public var now: Int?
    /// The client's address, resolved through `trustedProxies` (`ForwardedClient`); read only
    /// with `limits.newSessionsPerMinute`, when the `clientAddress` resolver given to
    /// `ExperimentEngine.decide` has none (the proxy resolves it only for a new session).
    public var clientAddress: String?

    /// A request's facts, its `Cookie` headers already joined into `cookieHeader`; see the properties.
    public init(
        method: String = "GET", uri: String, cookieHeader: String?, userAgent: String? = nil,
        isHTTPS: Bool = false, now: Int? = nil, clientAddress: String? = nil
    ) {
        self.clientAddress = clientAddress
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
        isHTTPS: Bool = false, now: Int? = nil, clientAddress: String? = nil
    ) {
        self.init(
            method: method, uri: uri, cookieHeader: cookieHeaders.isEmpty ? nil : cookieHeaders.joined(separator: "; "),
            userAgent: userAgent, isHTTPS: isHTTPS, now: now, clientAddress: clientAddress)
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
        // Bytes where they give the same answer (an ASCII header, stored contiguously, and a
        // cookie name: the usual case), else Characters.
        let scan = header.utf8.withContiguousStorageIfAvailable { Self.scan($0, for: name) }
        switch scan {
        case .found(let range)?:
            let utf8 = header.utf8
            return header[
                utf8.index(
                    utf8.startIndex, offsetBy: range.lowerBound)..<utf8.index(
                        utf8.startIndex, offsetBy: range.upperBound)]
        case .absent?:
            return nil
        case .byCharacter?, nil:
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
        /// The header or the name has a byte of 0x80 or more, or the name one the search cuts
        /// or trims at (none in a cookie name the config accepts): Characters must be read.
        case byCharacter
    }

    /// The same search over the bytes of a header. Reading Characters costs hundreds of
    /// instructions each, so a kilobyte of cookies (analytics, consent) took tens of
    /// microseconds per request. In ASCII every byte is a Character, but for CR LF, which
    /// holds none of the bytes looked for here, and two ASCII strings are equal as Strings
    /// exactly when their bytes are: both searches cut at the same places.
    static func scan(_ bytes: UnsafeBufferPointer<UInt8>, for name: String) -> ByteScan {
        guard isASCII(UnsafeRawBufferPointer(bytes)) else { return .byCharacter }
        return name.utf8.withContiguousStorageIfAvailable { name in
            scan(UnsafeRawBufferPointer(bytes), forName: UnsafeRawBufferPointer(name))
        } ?? .byCharacter
    }

    /// Visits each "=" (found with the C library's `memchr`, many bytes per step) and checks
    /// whether the name ends there and starts its pair: a byte at a time, a kilobyte of other
    /// cookies ahead of ours cost over a microsecond.
    private static func scan(_ header: UnsafeRawBufferPointer, forName name: UnsafeRawBufferPointer) -> ByteScan {
        func isBlank(_ byte: UInt8) -> Bool { byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") }
        guard let nameBase = name.baseAddress, !name.isEmpty,
            !name.contains(where: { $0 >= 0x80 || isBlank($0) || $0 == UInt8(ascii: ";") || $0 == UInt8(ascii: "=") })
        else { return .byCharacter }
        guard let base = header.baseAddress else { return .absent }
        func next(_ byte: UInt8, from index: Int) -> Int? {
            memchr(base + index, Int32(byte), header.count - index).map {
                base.distance(to: UnsafeRawPointer($0))
            }
        }
        var from = name.count
        while from < header.count, let equals = next(UInt8(ascii: "="), from: from) {
            from = equals + 1
            let start = equals - name.count
            guard memcmp(base + start, nameBase, name.count) == 0 else { continue }
            // Only blanks between the pair's start (a ";" or the header's) and the name.
            var before = start - 1
            while before >= 0, isBlank(header[before]) { before -= 1 }
            guard before < 0 || header[before] == UInt8(ascii: ";") else { continue }
            var valueStart = equals + 1
            var valueEnd = next(UInt8(ascii: ";"), from: valueStart) ?? header.count
            while valueEnd > valueStart, isBlank(header[valueEnd - 1]) { valueEnd -= 1 }
            if valueEnd - valueStart >= 2, header[valueStart] == UInt8(ascii: "\""),
                header[valueEnd - 1] == UInt8(ascii: "\"")
            {
                valueStart += 1
                valueEnd -= 1
            }
            return .found(valueStart..<valueEnd)
        }
        return .absent
    }

    /// No byte of 0x80 or more; eight bytes at a time.
    static func isASCII(_ bytes: UnsafeRawBufferPointer) -> Bool {
        var highBits: UInt64 = 0
        var index = 0
        while index + 8 <= bytes.count {
            highBits |= bytes.loadUnaligned(fromByteOffset: index, as: UInt64.self)
            index += 8
        }
        while index < bytes.count {
            highBits |= UInt64(bytes[index])
            index += 1
        }
        return highBits & 0x8080_8080_8080_8080 == 0
    }
}
