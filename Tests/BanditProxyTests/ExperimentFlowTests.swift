import BanditCore
import Testing

@testable import BanditProxy

/// The product's main path through real sockets: sessions, assignment, injection, counting.
@Suite struct ExperimentFlowTests {
    @Test func newVisitorOnSourceGetsSignedCookieAndAnArmInjected() async throws {
        try await withProxy(await ProxyHarness.start()) { harness in
            let visitor = Visitor(harness)
            let response = try await visitor.get("/")
            #expect(response.status == 200)
            let setCookie = try #require(response.header("set-cookie"))
            #expect(setCookie.hasPrefix("bandit_session="))
            for attribute in ["Path=/", "HttpOnly", "SameSite=Lax", "Max-Age=2592000"] {
                #expect(setCookie.contains(attribute), "missing \(attribute) in \(setCookie)")
            }
            #expect(!setCookie.contains("Secure"))
            let arm = try #require(visitor.lastArm())
            #expect(["control", "bold"].contains(arm))
            #expect(harness.totalViews("headline") == 1)
            #expect(harness.counts("headline").reduce(0) { $0 + $1.assignments } == 1)
        }
    }

    @Test func cookieIsSecureWhenTheClientCameOverHTTPS() async throws {
        try await withProxy(await ProxyHarness.start()) { harness in
            let response = try await harness.get("/", headers: [("X-Forwarded-Proto", "https")])
            #expect(response.header("set-cookie")?.contains("; Secure") == true)
        }
    }

    @Test func armIsStickyAndViewCountsOncePerSession() async throws {
        try await withProxy(await ProxyHarness.start()) { harness in
            let visitor = Visitor(harness)
            try await visitor.get("/")
            let first = try #require(visitor.lastArm())
            for _ in 0..<15 {
                try await visitor.get("/")
                #expect(visitor.lastArm() == first)
            }
            try await visitor.get("/about/")
            #expect(visitor.lastArm() == first, "every request of the session carries the arm")
            #expect(harness.totalViews("headline") == 1)
        }
    }

    @Test func requestsBeforeTheSourceCarryNoArm() async throws {
        try await withProxy(await ProxyHarness.start()) { harness in
            let visitor = Visitor(harness)
            let response = try await visitor.get("/about/")
            #expect(visitor.lastArm() == nil)
            #expect(response.header("set-cookie") == nil)
            #expect(harness.totalViews("headline") == 0)
        }
    }

    @Test func conversionCountsOnceAfterTheViewAndIsCreditedToTheViewedArm() async throws {
        try await withProxy(await ProxyHarness.start()) { harness in
            let visitor = Visitor(harness)
            try await visitor.get("/")
            let arm = try #require(visitor.lastArm())
            let armIndex = arm == "control" ? 0 : 1
            try await visitor.get("/contact/")
            try await visitor.get("/contact")
            try await visitor.get("/contact/?ref=footer")
            #expect(harness.counts("headline")[armIndex].conversions == 1)
            #expect(harness.counts("headline")[1 - armIndex].conversions == 0)
        }
    }

    @Test func targetWithoutAViewDoesNotConvert() async throws {
        try await withProxy(await ProxyHarness.start()) { harness in
            let visitor = Visitor(harness)
            try await visitor.get("/contact/")
            try await visitor.get("/contact/")
            #expect(harness.totalConversions("headline") == 0)
            #expect(harness.totalViews("headline") == 0)
        }
    }

    @Test func upstreamErrorsDoNotCountButKeepTheArm() async throws {
        try await withProxy(
            await ProxyHarness.start { request in
                request.header("X-Fail") == "1" ? .init(status: 503, body: "down") : .init()
            }
        ) { harness in
            let visitor = Visitor(harness)
            let failed = try await visitor.get("/", headers: [("X-Fail", "1")])
            #expect(failed.status == 503)
            let arm = visitor.lastArm()
            #expect(harness.totalViews("headline") == 0)
            try await visitor.get("/")
            #expect(visitor.lastArm() == arm)
            #expect(harness.totalViews("headline") == 1)
            try await visitor.get("/contact/", headers: [("X-Fail", "1")])
            #expect(harness.totalConversions("headline") == 0)
            try await visitor.get("/contact/")
            #expect(harness.totalConversions("headline") == 1)
        }
    }

    @Test func tamperedOrGarbageCookiesStartAFreshSession() async throws {
        try await withProxy(await ProxyHarness.start()) { harness in
            let visitor = Visitor(harness)
            try await visitor.get("/")
            let cookie = try #require(visitor.cookie)
            // Flip the arm of the signed value: the signature no longer matches.
            let forged =
                cookie.contains(":0:")
                ? cookie.replacingOccurrences(of: ":0:", with: ":1:")
                : cookie.replacingOccurrences(of: ":1:", with: ":0:")
            for bad in [forged, "bandit_session=garbage", "bandit_session=", "bandit_session=1..."] {
                let response = try await harness.get("/", headers: [("Cookie", bad)])
                #expect(response.status == 200)
                #expect(response.header("set-cookie") != nil, "a fresh session for \(bad)")
            }
            #expect(harness.totalViews("headline") == 1 + 4)
        }
    }

    @Test func clientCopiesOfExperimentHeadersAndParametersNeverReachTheUpstream() async throws {
        try await withProxy(await ProxyHarness.start()) { harness in
            let visitor = Visitor(harness)
            try await visitor.get("/about/", headers: [("X-Bandit-Headline", "evil"), ("x-bandit-headline", "evil2")])
            #expect(harness.upstream.requests.last?.headers("X-Bandit-Headline") == [])
            try await visitor.get("/", headers: [("X-Bandit-Headline", "evil")])
            #expect(harness.upstream.requests.last?.headers("X-Bandit-Headline").count == 1)
            #expect(harness.upstream.requests.last?.header("X-Bandit-Headline") != "evil")

            try await visitor.get("/pricing/?cta=evil&page=2")
            let uri = try #require(harness.upstream.requests.last?.uri)
            #expect(!uri.contains("cta=evil"))
            #expect(uri.hasPrefix("/pricing/?page=2&cta="))
        }
    }

    @Test func queryInjectionCarriesTheArmOnLaterPages() async throws {
        try await withProxy(await ProxyHarness.start()) { harness in
            let visitor = Visitor(harness)
            try await visitor.get("/pricing/")
            let uri = try #require(harness.upstream.requests.last?.uri)
            let arm = String(uri.split(separator: "=").last!)
            #expect(["plain", "green", "red"].contains(arm))
            try await visitor.get("/docs/")
            #expect(harness.upstream.requests.last?.uri == "/docs/?cta=\(arm)")
            try await visitor.get("/signup/")
            #expect(harness.totalConversions("cta") == 1)
        }
    }

    @Test func forcedArmIsInjectedStrippedAndNeverCounted() async throws {
        try await withProxy(await ProxyHarness.start()) { harness in
            let visitor = Visitor(harness)
            try await visitor.get("/?bandit_force_headline=bold&x=1")
            #expect(visitor.lastArm() == "bold")
            #expect(harness.upstream.requests.last?.uri == "/?x=1")
            try await visitor.get("/")
            #expect(visitor.lastArm() == "bold", "the force persists for the session")
            try await visitor.get("/contact/")
            #expect(harness.totalViews("headline") == 0)
            #expect(harness.totalConversions("headline") == 0)
            try await visitor.get("/?bandit_force_headline=nonsense")
            #expect(visitor.lastArm() == "bold", "an unknown arm is ignored")
        }
    }

    @Test func excludedRequestsAreProxiedUntouched() async throws {
        try await withProxy(await ProxyHarness.start()) { harness in
            let visitor = Visitor(harness)
            try await visitor.get("/")
            let arm = visitor.lastArm()
            #expect(arm != nil)
            for path in ["/static/app.css", "/index.php"] {
                let response = try await visitor.get(path)
                #expect(response.header("set-cookie") == nil)
                #expect(visitor.lastArm() == nil, "\(path) carries no arm")
            }
            let bot = Visitor(harness)
            bot.userAgent = "Googlebot/2.1"
            let response = try await bot.get("/")
            #expect(response.header("set-cookie") == nil)
            #expect(harness.totalViews("headline") == 1)
        }
    }

    @Test func authenticatedSessionsAreNotCountedWhereIgnored() async throws {
        try await withProxy(await ProxyHarness.start()) { harness in
            let visitor = Visitor(harness)
            let first = try await visitor.get("/pricing/", headers: [("Cookie", "sessionid=abc")])
            #expect(first.status == 200)
            #expect(harness.totalViews("cta") == 0)
            #expect(harness.upstream.requests.last?.uri.contains("cta=") == true, "still served a consistent arm")
        }
    }

    @Test func manySessionsAreCountedExactly() async throws {
        try await withProxy(await ProxyHarness.start()) { harness in
            var expectedViews = [0, 0]
            var expectedConversions = [0, 0]
            for index in 0..<120 {
                let visitor = Visitor(harness)
                try await visitor.get("/")
                let arm = visitor.lastArm() == "control" ? 0 : 1
                expectedViews[arm] += 1
                try await visitor.get("/")
                if index % 3 == 0 {
                    try await visitor.get("/contact/")
                    try await visitor.get("/contact/")
                    expectedConversions[arm] += 1
                }
            }
            #expect(harness.counts("headline").map(\.views) == expectedViews)
            #expect(harness.counts("headline").map(\.conversions) == expectedConversions)
        }
    }
}
