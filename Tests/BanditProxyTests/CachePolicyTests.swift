import Testing

@testable import BanditProxy

/// A response that depends on the visitor's arm is kept out of shared caches whatever cache
/// headers the site already sends, and no stricter ones of the site's are weakened.
@Suite struct CachePolicyTests {
    static func edits(_ fields: [(String, String)]) throws -> CachePolicy.Edits {
        CachePolicy.keepPrivate(try TestHeads.response(fields))
    }

    @Test func aResponseWithoutCacheHeadersBecomesPrivateAndVariesByCookie() throws {
        #expect(try Self.edits([]) == .init(cacheControl: "private", replacesCacheControl: false, addsVaryCookie: true))
    }

    @Test func sharedCacheDirectivesGiveWayToPrivateAndTheRestIsKept() throws {
        let edits = try Self.edits([("Cache-Control", "Public, s-maxage=600"), ("cache-control", " max-age=60 ,")])
        #expect(edits.cacheControl == "private, max-age=60")
        #expect(edits.replacesCacheControl)
        #expect(try Self.edits([("Cache-Control", "")]).cacheControl == "private", "an empty one is replaced")
    }

    @Test(arguments: ["private", "PRIVATE, max-age=5", "no-store", "max-age=0, No-Store"])
    func aPrivateOrUnstoredResponseKeepsItsCacheControl(value: String) throws {
        let edits = try Self.edits([("Cache-Control", value)])
        #expect(edits.cacheControl == nil && !edits.replacesCacheControl)
    }

    @Test func varyGainsCookieUnlessItHasItOrVariesByEverything() throws {
        #expect(try Self.edits([("Vary", "Accept-Encoding")]).addsVaryCookie)
        #expect(try !Self.edits([("Vary", "Accept-Encoding, COOKIE")]).addsVaryCookie)
        #expect(try !Self.edits([("Vary", "Accept-Encoding"), ("vary", "Cookie")]).addsVaryCookie)
        #expect(try !Self.edits([("Vary", "*")]).addsVaryCookie)
    }
}
