import NIOCore
import NIOEmbedded
import NIOHTTP1

@_spi(Benchmarks) @testable import BanditProxy

/// What a request reader made of some bytes delivered in pieces: ours (`ClientRequestReader`)
/// or swift-nio's (llhttp), in one shape so they can be compared.
struct RequestTranscript: Equatable {
    struct Head: Equatable {
        var method: String
        var uri: String
        var minorVersion: Int
        var fields: [ReaderTranscript.Field]
    }

    var heads: [Head] = []
    /// Body bytes of every request as the reader passed them on: ours in the client's
    /// framing, swift-nio's as data only.
    var body: [UInt8] = []
    var dataBytes = 0
    var ends = 0
    var refused = false

    static func ours(_ pieces: [[UInt8]], maxHeadBytes: Int = 1 << 16) -> RequestTranscript {
        var transcript = RequestTranscript()
        var reader = ClientRequestReader(maxHeadBytes: maxHeadBytes)
        do {
            for piece in pieces {
                reader.append(ByteBuffer(bytes: piece))
                while let event = try reader.next() {
                    switch event {
                    case .head(let head):
                        transcript.heads.append(
                            Head(
                                method: head.method.rawValue, uri: head.uri, minorVersion: head.minorVersion,
                                fields: head.headerList.map { .init(name: $0.name, value: $0.value) }))
                    case .body(let bytes, let dataBytes):
                        transcript.body += Array(bytes.readableBytesView)
                        transcript.dataBytes += dataBytes
                    case .end:
                        transcript.ends += 1
                    }
                }
            }
            transcript.refused = reader.isMidRequest  // the connection ends here
        } catch {
            transcript.refused = true
        }
        return transcript
    }

    static func nio(_ pieces: [[UInt8]]) -> RequestTranscript {
        var transcript = RequestTranscript()
        var limits = NIOHTTPDecoderLimitConfiguration()
        limits.maxHeaderListSize = 1 << 16
        let channel = EmbeddedChannel(
            handler: ByteToMessageHandler(
                HTTPRequestDecoder(leftOverBytesStrategy: .forwardBytes, limitConfiguration: limits)))
        do {
            for piece in pieces {
                try channel.writeInbound(ByteBuffer(bytes: piece))
                while let part = try channel.readInbound(as: HTTPServerRequestPart.self) {
                    switch part {
                    case .head(let head):
                        transcript.heads.append(
                            Head(
                                method: head.method.rawValue, uri: head.uri, minorVersion: Int(head.version.minor),
                                fields: head.headers.map { .fromNIO(name: $0.name, value: $0.value) }))
                    case .body(let bytes):
                        transcript.body += Array(bytes.readableBytesView)
                        transcript.dataBytes += bytes.readableBytes
                    case .end: transcript.ends += 1
                    }
                }
            }
            _ = try channel.finish()
        } catch {
            transcript.refused = true
        }
        return transcript
    }
}
