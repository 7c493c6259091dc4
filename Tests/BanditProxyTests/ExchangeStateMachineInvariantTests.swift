import Testing

@_spi(Benchmarks) @testable import BanditProxy

/// Every sequence of events a connection can see, up to a length, against the two rules the
/// handler relies on: each decision's counts are settled (committed or abandoned) exactly
/// once, and each upstream connection is let go exactly once (released, closed or handed
/// over when attached; returned to its pool when it came too late).
@Suite("ExchangeStateMachine: counts and connections settled exactly once, in every order of events")
struct ExchangeStateMachineInvariantTests {
    private typealias Machine = ExchangeStateMachine

    /// What has happened, as the rules see it; also which events can come next.
    private struct World {
        var machine = Machine()
        var exchanges = 0
        var exchangeOpen = false
        var requestEnded = false
        var settled = false
        var pendingConnects = 0
        var attached = false
        var answered = false
        var clientGone = false
        var tunnelled = false
        var trace: [String] = []
    }

    private enum Event: CaseIterable {
        case beginGet, beginPost, beginUpgrade, beginRedirect, body, end, refuse
        case connectFresh, connectReused, busy, unreachable
        case interim, switchAccepted, switchUnnamed, head, responseEnd, upstreamFailed
        case responseTimedOut, bodyStalled, clientClosed
    }

    private static let maxEvents = 8
    private static let maxExchanges = 2

    @Test func exhaustively() {
        var sequences = 0
        explore(World(), sequences: &sequences)
        #expect(sequences > 10_000, "the search reached few sequences: \(sequences)")
    }

    /// False once a rule is broken (recorded once; the search stops there).
    @discardableResult
    private func explore(_ world: World, sequences: inout Int) -> Bool {
        guard world.trace.count < Self.maxEvents else {
            sequences += 1
            return true
        }
        var any = false
        for event in Event.allCases where possible(event, in: world) {
            any = true
            var next = world
            guard step(event, &next), explore(next, sequences: &sequences) else { return false }
        }
        if !any { sequences += 1 }
        return true
    }

    /// Whether the wire could bring `event` now.
    private func possible(_ event: Event, in world: World) -> Bool {
        guard !world.clientGone, !world.tunnelled else {
            // A late answer of the pool is all that can still come.
            return (event == .connectFresh || event == .busy) && world.pendingConnects > 0
        }
        switch event {
        case .beginGet, .beginPost, .beginUpgrade, .beginRedirect:
            return !world.exchangeOpen && world.machine.state == .idle && world.exchanges < Self.maxExchanges
        case .body, .refuse:
            return !world.requestEnded || !world.exchangeOpen
        case .end:
            return world.exchangeOpen && !world.requestEnded
        case .connectFresh, .connectReused, .busy, .unreachable:
            return world.pendingConnects > 0
        case .interim, .switchAccepted, .switchUnnamed, .head:
            return world.attached && !world.answered
        case .responseEnd:
            return world.attached && world.answered
        case .upstreamFailed:
            return world.attached
        case .responseTimedOut, .bodyStalled, .clientClosed:
            return true  // deadlines may fire late; the client may leave at any time
        }
    }

    /// Feeds `event` and checks the rules; false once one is broken.
    private func step(_ event: Event, _ world: inout World) -> Bool {
        world.trace.append("\(event)")
        let action: Machine.Action
        switch event {
        case .beginGet, .beginPost, .beginUpgrade, .beginRedirect:
            let request = Machine.Request(
                keepAlive: true, idempotent: event != .beginPost, upgrade: event == .beginUpgrade, maxBodyBytes: 10)
            world.exchanges += 1
            world.exchangeOpen = true
            world.requestEnded = false
            world.settled = false
            world.answered = false
            action = world.machine.exchangeBegan(request, redirects: event == .beginRedirect)
        case .body: action = world.machine.requestBodyReceived(dataBytes: 6)
        case .end:
            world.requestEnded = true
            action = world.machine.requestEnded()
        case .refuse: action = world.machine.requestRefused(.malformed(.malformedChunk))
        case .connectFresh, .connectReused:
            world.pendingConnects -= 1
            action = world.machine.upstreamConnected(reused: event == .connectReused)
        case .busy, .unreachable:
            world.pendingConnects -= 1
            action = world.machine.upstreamUnavailable(busy: event == .busy)
        case .interim: action = world.machine.interimResponseReceived()
        case .switchAccepted: action = world.machine.switchingProtocolsReceived(namesProtocol: true)
        case .switchUnnamed: action = world.machine.switchingProtocolsReceived(namesProtocol: false)
        case .head:
            world.answered = true
            action = world.machine.responseHeadReceived(status: 200, upstreamKeepsAlive: true, bodyEndsWithClose: false)
        case .responseEnd: action = world.machine.responseEnded()
        case .upstreamFailed: action = world.machine.upstreamFailed()
        case .responseTimedOut: action = world.machine.responseTimedOut()
        case .bodyStalled: action = world.machine.bodyStalled()
        case .clientClosed:
            world.clientGone = true
            action = world.machine.clientClosed()
        }
        return apply(action, after: event, to: &world)
    }

    private func apply(_ action: Machine.Action, after event: Event, to world: inout World) -> Bool {
        func broken(_ rule: String) -> Bool {
            Issue.record("\(rule) after \(world.trace.joined(separator: ", ")) → \(action)")
            return false
        }
        switch action {
        case .none, .dropBodyPart, .relayInterimResponse, .awaitResponse:
            break
        case .forwardBodyPart:
            guard world.exchangeOpen || world.answered else { return broken("a body forwarded for no exchange") }
        case .connect:
            world.pendingConnects += 1
        case .attach:
            guard !world.attached, world.exchangeOpen else { return broken("a connection attached twice") }
            world.attached = true
        case .returnConnection:
            guard event == .connectFresh || event == .connectReused else {
                return broken("a connection returned unasked")
            }
        case .retry:
            guard world.attached else { return broken("a retry without a connection") }
            world.attached = false
            world.pendingConnects += 1
        case .forwardResponseHead:
            guard !world.settled else { return broken("counts settled twice") }
            world.settled = true
        case .finish(let ending):
            guard world.exchangeOpen || ending.counts == .settled else { return broken("counts of no exchange") }
            switch ending.counts {
            case .settled:
                guard world.settled || !world.exchangeOpen else { return broken("an exchange ended unsettled") }
            case .commit, .abandon:
                guard !world.settled else { return broken("counts settled twice") }
            }
            guard world.attached == (ending.upstream != .none) else {
                return broken("a connection kept or let go twice")
            }
            world.attached = false
            world.settled = true
            world.exchangeOpen = false
            if ending.reply == .tunnel { world.tunnelled = true }
            if case .errorPage(_, close: true) = ending.reply { world.clientGone = true }
            if case .endOfResponse(close: true) = ending.reply { world.clientGone = true }
            if ending.reply == .closeClient { world.clientGone = true }
        }
        if world.clientGone && world.exchangeOpen { return broken("the client left an exchange open") }
        return true
    }
}
