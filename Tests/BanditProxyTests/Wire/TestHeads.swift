import NIOCore
import Testing

@_spi(Benchmarks) @testable import BanditProxy

/// Heads parsed as the proxy parses them, for tests of what is done with them.
enum TestHeads {
    static func request(_ text: String) throws -> ClientRequestHead {
        var searchFrom = 0
        return try #require(
            try RequestHeadParser.parse(ByteBuffer(string: text), maxBytes: 1 << 16, searchFrom: &searchFrom))
    }

    /// A 200 response with these fields.
    static func response(_ fields: [(String, String)]) throws -> UpstreamResponseHead {
        let text = "HTTP/1.1 200 OK\r\n" + fields.map { "\($0): \($1)\r\n" }.joined() + "\r\n"
        var searchFrom = 0
        var fieldTable: [HeadField] = []
        return try #require(
            try ResponseHeadParser.parse(
                ByteBuffer(string: text), maxBytes: 1 << 16, searchFrom: &searchFrom, fieldTable: &fieldTable))
    }
}
