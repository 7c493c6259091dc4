import Testing

@_spi(Benchmarks) @testable import BanditProxy

private typealias Machine = ExchangeStateMachine
private typealias Action = ExchangeStateMachine.Action
private typealias Ending = ExchangeStateMachine.Ending

/// What happens to one client connection, as the handler tells its machine.
private enum Event {
    case began(Machine.Request, redirects: Bool = false)
    case body(Int)
    case end
    case refused(Machine.Failure)
    case connected(reused: Bool)
    case unavailable(busy: Bool)
    case interim
    case switching(namesProtocol: Bool)
    case head(status: Int, keepAlive: Bool = true, endsWithClose: Bool = false)
    case responseEnd
    case upstreamFailed
    case responseTimedOut
    case bodyStalled
    case clientClosed
}

extension ExchangeStateMachine {
    fileprivate mutating func handle(_ event: Event) -> Action {
        switch event {
        case .began(let request, let redirects): exchangeBegan(request, redirects: redirects)
        case .body(let bytes): requestBodyReceived(dataBytes: bytes)
        case .end: requestEnded()
        case .refused(let failure): requestRefused(failure)
        case .connected(let reused): upstreamConnected(reused: reused)
        case .unavailable(let busy): upstreamUnavailable(busy: busy)
        case .interim: interimResponseReceived()
        case .switching(let namesProtocol): switchingProtocolsReceived(namesProtocol: namesProtocol)
        case .head(let status, let keepAlive, let endsWithClose):
            responseHeadReceived(status: status, upstreamKeepsAlive: keepAlive, bodyEndsWithClose: endsWithClose)
        case .responseEnd: responseEnded()
        case .upstreamFailed: upstreamFailed()
        case .responseTimedOut: responseTimedOut()
        case .bodyStalled: bodyStalled()
        case .clientClosed: clientClosed()
        }
    }

    fileprivate mutating func handle(_ events: [Event]) -> [Action] { events.map { handle($0) } }
}

private let get = Machine.Request(keepAlive: true, idempotent: true, upgrade: false, maxBodyBytes: nil)
private let getThenClose = Machine.Request(keepAlive: false, idempotent: true, upgrade: false, maxBodyBytes: nil)
private let post = Machine.Request(keepAlive: true, idempotent: false, upgrade: false, maxBodyBytes: 10)
private let upgrade = Machine.Request(keepAlive: true, idempotent: true, upgrade: true, maxBodyBytes: nil)

/// The actions of a whole exchange of `request`, answered with `head`.
private func wholeExchange(_ request: Machine.Request, answer head: Event = .head(status: 200)) -> [Action] {
    var machine = Machine()
    return machine.handle([.began(request), .end, .connected(reused: false), head, .responseEnd])
}

private func finish(_ upstream: Ending.Upstream, _ counts: Ending.Counts, _ reply: Ending.Reply) -> Action {
    .finish(Ending(upstream: upstream, counts: counts, reply: reply))
}

@Suite("ExchangeStateMachine: the life of an exchange, without sockets")
struct ExchangeStateMachineTests {
    @Test func aKeptAliveGetIsConnectedAnsweredAndItsConnectionReleased() {
        var machine = Machine()
        #expect(
            machine.handle([.began(get), .end, .connected(reused: true), .head(status: 200), .responseEnd]) == [
                .connect(fresh: false), .none, .attach(awaitResponse: true),
                .forwardResponseHead(commitStatus: 200, closeClient: false),
                finish(.release, .settled, .endOfResponse(close: false)),
            ])
        #expect(machine.state == .idle)
    }

    @Test func eachStateOnTheWay() {
        var machine = Machine()
        _ = machine.handle(.began(post))
        #expect(machine.state == .connecting(post))
        _ = machine.handle(.connected(reused: false))
        guard case .streamingRequest = machine.state else {
            Issue.record("\(machine.state)")
            return
        }
        _ = machine.handle(.end)
        guard case .awaitingResponse(let request) = machine.state else {
            Issue.record("\(machine.state)")
            return
        }
        #expect(request.complete)
        _ = machine.handle(.head(status: 201))
        #expect(
            machine.state
                == .streamingResponse(.init(requestComplete: true, upstreamKeepsAlive: true, closeClient: false)))
    }

    @Test func aBodyStreamsUpstreamAndClientReadsWaitOnlyWhereItGoes() {
        var machine = Machine()
        #expect(machine.requestBodyDestination == .none)
        #expect(machine.handle([.began(post), .body(3)]) == [.connect(fresh: false), .forwardBodyPart])
        #expect(machine.requestBodyDestination == .pendingConnection, "reads wait for the connection")
        #expect(
            machine.handle([.connected(reused: false), .body(3)]) == [.attach(awaitResponse: false), .forwardBodyPart])
        #expect(machine.requestBodyDestination == .connection)
        #expect(machine.handle(.end) == .awaitResponse, "the response deadline runs from the request's end")
        #expect(machine.requestBodyDestination == .none)
        #expect(
            machine.handle([.head(status: 200), .responseEnd]).last
                == finish(.release, .settled, .endOfResponse(close: false)))
    }

    @Test func aRequestReadWhileConnectingAwaitsItsResponseOnceAttached() {
        var machine = Machine()
        #expect(
            machine.handle([.began(post), .body(2), .end, .connected(reused: false)]) == [
                .connect(fresh: false), .forwardBodyPart, .none, .attach(awaitResponse: true),
            ])
    }

    @Test func anEarlyAnswerLetsTheRestOfTheRequestFlowAndClosesTheClient() {
        var machine = Machine()
        let events: [Event] = [
            .began(post), .connected(reused: false), .body(2), .head(status: 413), .body(2), .end, .responseEnd,
        ]
        #expect(
            machine.handle(events) == [
                .connect(fresh: false), .attach(awaitResponse: false), .forwardBodyPart,
                .forwardResponseHead(commitStatus: 413, closeClient: true), .forwardBodyPart, .none,
                finish(.release, .settled, .endOfResponse(close: true)),
            ])
    }

    @Test func anAnswerThatEndsBeforeItsRequestClosesBothConnections() {
        var machine = Machine()
        _ = machine.handle([.began(post), .connected(reused: false), .body(2), .head(status: 413)])
        #expect(machine.handle(.responseEnd) == finish(.close, .settled, .endOfResponse(close: true)))
    }

    @Test func anUpstreamThatClosesAfterItsAnswerIsNotPooled() {
        let actions = wholeExchange(get, answer: .head(status: 200, keepAlive: false))
        #expect(actions.last == finish(.close, .settled, .endOfResponse(close: false)))
    }

    @Test func aBodyEndedByTheCloseClosesTheClient() {
        let actions = wholeExchange(get, answer: .head(status: 200, endsWithClose: true))
        #expect(actions[3] == .forwardResponseHead(commitStatus: 200, closeClient: true))
        #expect(actions.last == finish(.release, .settled, .endOfResponse(close: true)))
    }

    @Test func aClientThatAsksToCloseGetsItsConnectionClosed() {
        let actions = wholeExchange(getThenClose)
        #expect(actions[3] == .forwardResponseHead(commitStatus: 200, closeClient: true))
        #expect(actions[4] == finish(.release, .settled, .endOfResponse(close: true)))
    }

    @Test func aRedirectIsAnsweredAtTheRequestsEndWithoutTheUpstreamAndCommits302() {
        var machine = Machine()
        #expect(
            machine.handle([.began(post, redirects: true), .body(5), .end]) == [
                .none, .dropBodyPart, finish(.none, .commit(status: 302), .redirect(close: false)),
            ])
        #expect(machine.state == .idle)
        #expect(machine.requestBodyDestination == .none)
        var closing = Machine()
        #expect(
            closing.handle([.began(getThenClose, redirects: true), .end]).last
                == finish(.none, .commit(status: 302), .redirect(close: true)))
    }

    // MARK: the retry

    @Test func aReusedConnectionThatFailsBeforeAnsweringIsRetriedOnceOnAFreshOne() {
        var machine = Machine()
        let events: [Event] = [
            .began(get), .end, .connected(reused: true), .upstreamFailed, .connected(reused: false), .upstreamFailed,
        ]
        #expect(
            machine.handle(events) == [
                .connect(fresh: false), .none, .attach(awaitResponse: true), .retry, .attach(awaitResponse: true),
                finish(.close, .abandon, .errorPage(.upstreamClosed, close: false)),
            ])
    }

    @Test func aRetriedRequestIsNotRetriedAgainEvenOnAReusedConnection() {
        var machine = Machine()
        _ = machine.handle([.began(get), .end, .connected(reused: true), .upstreamFailed, .connected(reused: true)])
        #expect(machine.handle(.upstreamFailed) == finish(.close, .abandon, .errorPage(.upstreamClosed, close: false)))
    }

    @Test func noRetryOnAFreshConnection() {
        expectNoRetry(after: [.began(get), .end, .connected(reused: false)])
    }

    @Test func noRetryForARequestNotAllRead() {
        expectNoRetry(after: [.began(get), .connected(reused: true)], close: true)
    }

    @Test func noRetryForARequestWithABody() {
        expectNoRetry(after: [.began(get), .body(1), .end, .connected(reused: true)])
    }

    @Test func noRetryForAMethodThatIsNotIdempotent() {
        expectNoRetry(after: [.began(post), .end, .connected(reused: true)])
    }

    private func expectNoRetry(after events: [Event], close: Bool = false) {
        var machine = Machine()
        _ = machine.handle(events)
        #expect(machine.handle(.upstreamFailed) == finish(.close, .abandon, .errorPage(.upstreamClosed, close: close)))
    }

    @Test func aFailureOnceTheResponseStartedClosesTheClientCountsStayCommitted() {
        var machine = Machine()
        _ = machine.handle([.began(get), .end, .connected(reused: true), .head(status: 200)])
        #expect(machine.handle(.upstreamFailed) == finish(.close, .settled, .closeClient))
        #expect(machine.state == .closed)
    }

    // MARK: the pool

    @Test func noConnectionToBeHadIsAnErrorPageAndTheDecisionAbandoned() {
        var busy = Machine()
        #expect(
            busy.handle([.began(get), .end, .unavailable(busy: true)]).last
                == finish(.none, .abandon, .errorPage(.upstreamBusy, close: false)))
        var unreachable = Machine()
        #expect(
            unreachable.handle([.began(post), .body(1), .unavailable(busy: false)]).last
                == finish(.none, .abandon, .errorPage(.upstreamUnreachable, close: true)),
            "the rest of the body is unread: the connection closes")
    }

    @Test func aConnectionThatComesAfterItsExchangeEndedGoesBackToThePool() {
        var machine = Machine()
        _ = machine.handle([.began(post), .body(1), .bodyStalled])
        #expect(machine.handle(.connected(reused: true)) == .returnConnection)
    }

    // MARK: the body limit and refused requests

    @Test func aBodyOverTheLimitIsRefusedWhereverItsConnectionIs() {
        var connecting = Machine()
        #expect(
            connecting.handle([.began(post), .body(6), .body(6)]).last
                == finish(.none, .abandon, .errorPage(.bodyTooLarge, close: true)))
        var streaming = Machine()
        #expect(
            streaming.handle([.began(post), .connected(reused: false), .body(6), .body(6)]).last
                == finish(.close, .abandon, .errorPage(.bodyTooLarge, close: true)))
        var answered = Machine()
        #expect(
            answered.handle([.began(post), .connected(reused: false), .head(status: 200), .body(6), .body(6)]).last
                == .forwardBodyPart, "once the upstream answered, the rest is its to read")
    }

    @Test func aRefusedRequestIsAnsweredAndItsExchangeDropped() {
        let malformed = Machine.Failure.malformed(.malformedChunk)
        var idle = Machine()
        #expect(idle.handle(.refused(.bodyTooLarge)) == finish(.none, .settled, .errorPage(.bodyTooLarge, close: true)))
        var connecting = Machine()
        #expect(
            connecting.handle([.began(post), .refused(malformed)]).last
                == finish(.none, .abandon, .errorPage(malformed, close: true)))
        var streaming = Machine()
        #expect(
            streaming.handle([.began(post), .connected(reused: false), .refused(malformed)]).last
                == finish(.close, .abandon, .errorPage(malformed, close: true)))
        var answered = Machine()
        #expect(
            answered.handle([.began(post), .connected(reused: false), .head(status: 200), .refused(malformed)]).last
                == finish(.close, .settled, .closeClient))
    }

    // MARK: deadlines

    @Test func theResponseDeadlineCountsOnlyWhileTheResponseIsAwaited() {
        var machine = Machine()
        for event in [Event.began(post), .connected(reused: false), .body(1)] {
            _ = machine.handle(event)
            var early = machine
            #expect(early.handle(.responseTimedOut) == .none, "before the request's end")
        }
        _ = machine.handle(.end)
        var timedOut = machine
        #expect(
            timedOut.handle(.responseTimedOut) == finish(.close, .abandon, .errorPage(.upstreamTimedOut, close: false)))
        _ = machine.handle(.head(status: 200))
        #expect(machine.handle(.responseTimedOut) == .none, "after the response head")
    }

    @Test func aRetryStopsTheResponseDeadlineUntilTheFreshConnection() {
        var machine = Machine()
        _ = machine.handle([.began(get), .end, .connected(reused: true), .upstreamFailed])
        #expect(machine.handle(.responseTimedOut) == .none)
    }

    @Test func aStalledBodyIs408BeforeTheResponseAndAClosedConnectionAfter() {
        let stalled = Action.finish(
            Ending(upstream: .none, counts: .abandon, reply: .errorPage(.bodyStalled, close: true)))
        var redirecting = Machine()
        #expect(redirecting.handle([.began(post, redirects: true), .bodyStalled]).last == stalled)
        var connecting = Machine()
        #expect(connecting.handle([.began(post), .bodyStalled]).last == stalled)
        var streaming = Machine()
        #expect(
            streaming.handle([.began(post), .connected(reused: false), .bodyStalled]).last
                == finish(.close, .abandon, .errorPage(.bodyStalled, close: true)))
        var answered = Machine()
        #expect(
            answered.handle([.began(post), .connected(reused: false), .head(status: 200), .bodyStalled]).last
                == finish(.close, .settled, .closeClient))
        var complete = Machine()
        #expect(
            complete.handle([.began(post), .end, .bodyStalled]).last == Action.none, "a whole request cannot stall")
    }

    // MARK: protocol switches

    @Test func anAcceptedUpgradeCommits101AndHandsTheConnectionToTheTunnel() {
        var machine = Machine()
        let events: [Event] = [
            .began(upgrade), .end, .connected(reused: false), .interim, .switching(namesProtocol: true),
        ]
        #expect(
            machine.handle(events) == [
                .connect(fresh: false), .none, .attach(awaitResponse: true), .relayInterimResponse,
                finish(.handOver, .commit(status: 101), .tunnel),
            ])
        #expect(machine.state == .tunnelling)
        #expect(machine.handle([.interim, .connected(reused: true)]) == [.none, .returnConnection])
    }

    @Test func aSwitchNotAskedForIsABadGateway() {
        let badGateway = finish(.close, .abandon, .errorPage(.unrequestedSwitch, close: false))
        var notAsked = Machine()
        #expect(
            notAsked.handle([.began(get), .end, .connected(reused: false), .switching(namesProtocol: true)]).last
                == badGateway)
        var unnamed = Machine()
        #expect(
            unnamed.handle([.began(upgrade), .end, .connected(reused: false), .switching(namesProtocol: false)]).last
                == badGateway)
    }

    @Test func aDeclinedUpgradeEndsBothConnections() {
        let actions = wholeExchange(upgrade)
        #expect(actions[3] == .forwardResponseHead(commitStatus: 200, closeClient: true))
        #expect(actions[4] == finish(.close, .settled, .endOfResponse(close: true)))
    }

    // MARK: the client goes away

    @Test(
        arguments: [
            ("idle", [], Action.none),
            ("redirecting", [.began(get, redirects: true)], finish(.none, .abandon, .none)),
            ("connecting", [.began(get)], finish(.none, .abandon, .none)),
            ("streaming the request", [.began(post), .connected(reused: false)], finish(.close, .abandon, .none)),
            ("awaiting the response", [.began(get), .end, .connected(reused: false)], finish(.close, .abandon, .none)),
            (
                "streaming the response", [.began(get), .end, .connected(reused: false), .head(status: 200)],
                finish(.close, .settled, .none)
            ),
            (
                "after an exchange", [.began(get), .end, .connected(reused: false), .head(status: 200), .responseEnd],
                Action.none
            ),
        ] as [(String, [Event], Action)])
    fileprivate func aClientThatLeavesIsTornDownOnce(_ state: String, events: [Event], expected: Action) {
        var machine = Machine()
        _ = machine.handle(events)
        #expect(machine.handle(.clientClosed) == expected, "while \(state)")
        #expect(machine.state == .closed)
        let later: [Event] = [
            .clientClosed, .responseEnd, .upstreamFailed, .responseTimedOut, .bodyStalled, .end, .body(1),
        ]
        #expect(machine.handle(later).allSatisfy { $0 == .none || $0 == .dropBodyPart }, "nothing happens twice")
        #expect(machine.handle(.connected(reused: false)) == .returnConnection)
    }

    // MARK: pipelining

    @Test func exchangesFollowEachOtherOnOneConnection() {
        var machine = Machine()
        let first = machine.handle([.began(get), .end, .connected(reused: false), .head(status: 200), .responseEnd])
        let second = machine.handle([.began(get), .end, .connected(reused: true), .head(status: 404), .responseEnd])
        #expect(first.last == second.last)
        #expect(second[3] == .forwardResponseHead(commitStatus: 404, closeClient: false))
        let third = machine.handle([.began(get, redirects: true), .end])
        #expect(third.last == finish(.none, .commit(status: 302), .redirect(close: false)))
        #expect(machine.state == .idle)
    }

    @Test func anExchangeEndedWhileConnectingClosesTheClientSoNoLaterExchangeGetsItsConnection() {
        // The pool's answer for an ended exchange must not reach the next one: every ending
        // while connecting is that answer, or closes the client connection.
        let endings: [Event] = [.body(20), .bodyStalled, .refused(.malformed(.malformedChunk)), .clientClosed]
        for ending in endings {
            var machine = Machine()
            guard case .finish(let end) = machine.handle([.began(post), ending]).last else {
                Issue.record("\(ending) did not end the exchange")
                continue
            }
            switch end.reply {
            case .errorPage(_, let close): #expect(close, "\(ending)")
            case .none: #expect(machine.state == .closed)
            default: Issue.record("\(ending): \(end.reply)")
            }
        }
    }
}
