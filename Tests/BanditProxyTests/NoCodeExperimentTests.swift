import BanditCore
import BanditHTML
import BanditProxy
import Testing

/// Experiments with no code in the site, end to end beside `PageEditingTests` and
/// `ArmVariantTests`: the edit actions those leave out, forced arms, and a decided experiment
/// serving its winner's variant to everyone.
@Suite struct NoCodeExperimentTests {
    static let page = """
        <!doctype html><html><head><title>Shop</title></head><body>
        <main><h1 id="headline">Welcome</h1><ul class="perks"><li>Fast<li>Cheap</ul>
        <form id="signup"><input name="email"></form></main>
        </body></html>
        """

    static func edits() throws -> [HTMLEdit] {
        [
            HTMLEdit(selector: try HTMLSelector(parsing: "main h1"), action: .prepend("<small>New</small> ")),
            HTMLEdit(selector: try HTMLSelector(parsing: "ul.perks"), action: .before("<p>Why us:</p>")),
            HTMLEdit(selector: try HTMLSelector(parsing: "form#signup"), action: .after("<p>No card needed.</p>")),
            HTMLEdit(selector: try HTMLSelector(parsing: "ul.perks > li"), action: .append("!")),
        ]
    }

    static let editedPage = """
        <!doctype html><html><head><title>Shop</title></head><body>
        <main><h1 id="headline"><small>New</small> Welcome</h1><p>Why us:</p><ul class="perks"><li>Fast!<li>Cheap!</ul>
        <form id="signup"><input name="email"></form><p>No card needed.</p></main>
        </body></html>
        """

    /// The headline experiment: control, and `variant` as its second arm.
    static func harness(_ variant: ArmVariant) async throws -> ProxyHarness {
        try await ProxyHarness.start(
            responder: { request in
                switch request.path {
                case "/": .init(headers: [("Content-Type", "text/html")], body: page)
                case "/landing-v2/": .init(headers: [("Content-Type", "text/html")], body: "<h1>Landing v2</h1>")
                default: .init()
                }
            },
            configure: { config in
                config.experiments[0].algorithm = .uniform
                config.experiments[0].armVariants[1] = variant
            })
    }

    @Test func prependBeforeAfterAndAppendToImpliedlyClosedElements() async throws {
        try await withProxy(await Self.harness(ArmVariant(html: try Self.edits()))) { harness in
            var seen = [0, 0]
            while seen.contains(where: { $0 < 3 }) {
                let visitor = Visitor(harness)
                let response = try await visitor.get("/")
                let bold = visitor.lastArm() == "bold"
                #expect(response.body == (bold ? Self.editedPage : Self.page))
                seen[bold ? 1 : 0] += 1
            }
            #expect(harness.counts("headline").map(\.views) == seen, "one view per visitor, for its arm")
            #expect(harness.counts("headline").map(\.assignments) == seen)
        }
    }

    @Test func aForcedArmShowsItsEditedPageAndIsNotCounted() async throws {
        try await withProxy(await Self.harness(ArmVariant(html: try Self.edits()))) { harness async throws in
            let visitor = Visitor(harness)
            #expect(try await visitor.get("/?bandit_force_headline=bold").body == Self.editedPage)
            #expect(harness.upstream.requests.last?.uri == "/", "the force switch never reaches the site")
            #expect(try await visitor.get("/").body == Self.editedPage, "the session keeps the forced arm")
            #expect(try await visitor.get("/?bandit_force_headline=control").body == Self.page)
            #expect(harness.totalViews("headline") == 0)
            #expect(harness.counts("headline").map(\.assignments) == [0, 0])
        }
    }

    @Test func aForcedPathArmFetchesItsPage() async throws {
        try await withProxy(await Self.harness(ArmVariant(path: "/landing-v2/"))) { harness in
            let response = try await Visitor(harness).get("/?bandit_force_headline=bold&utm=x")
            #expect(response.body == "<h1>Landing v2</h1>")
            #expect(harness.upstream.requests.last?.uri == "/landing-v2/?utm=x")
            #expect(harness.totalViews("headline") == 0)
        }
    }

    /// Once decided, the winner's variant is what everyone gets: newcomers, and sessions that
    /// were on the other arm.
    @Test(arguments: [true, false])
    func aDecidedExperimentServesTheWinnersVariantToEveryone(editsThePage: Bool) async throws {
        let variant = editsThePage ? ArmVariant(html: try Self.edits()) : ArmVariant(path: "/landing-v2/")
        let winnerPage = editsThePage ? Self.editedPage : "<h1>Landing v2</h1>"
        try await withProxy(await Self.harness(variant)) { harness in
            var control: Visitor?
            while control == nil {
                let visitor = Visitor(harness)
                try await visitor.get("/")
                if visitor.lastArm() == "control" { control = visitor }
            }
            let declared = try await harness.get(
                "/__bandits/api/experiments/headline/winner", method: "POST", body: #"{"arm": "bold"}"#)
            #expect(declared.status == 200)
            let viewsBefore = harness.counts("headline").map(\.views)
            #expect(try await control!.get("/").body == winnerPage, "a session of the losing arm")
            #expect(control!.lastArm() == "bold", "and the site is told the winner")
            for _ in 0..<3 {
                #expect(try await Visitor(harness).get("/").body == winnerPage, "a newcomer")
            }
            let viewsAfter = harness.counts("headline").map(\.views)
            #expect(viewsAfter[0] == viewsBefore[0], "no view for the losing arm once decided")
            #expect(viewsAfter[1] == viewsBefore[1] + 3, "each newcomer's view counts for the winner")
        }
    }
}
