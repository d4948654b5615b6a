import Foundation
import Infinitic
import Testing

@Suite struct ServiceTests {
    let codec = JSONPayloadCodec()
    let now = Date(timeIntervalSince1970: 1_900_000_000)
    let requester = Requester.workflow(name: "Trips", id: "wf", methodId: "m")

    func task(
        _ service: String, _ method: String, _ arguments: [Payload], tags: Set<String> = [], retryIndex: Int = 0
    )
        -> ServiceExecutorEnvelope
    {
        Envelope(
            messageId: "task-message", emitterName: "executor", emittedAt: now, requester: requester,
            message: ServiceTask(
                taskId: "t1", serviceName: service, methodName: method, arguments: arguments, tags: tags,
                retryIndex: retryIndex))
    }

    func commandResult(_ outbound: [Outbound]) -> CommandResult? {
        for case .workflowEngine(let envelope) in outbound {
            if case .commandResult(let result) = envelope.message { return result }
        }
        return nil
    }

    @Test func servicesAreNamedAfterTheirContractUnlessOverridden() {
        #expect(HotelBookingStub.serviceName == "HotelBooking")
        #expect(PaymentStub.serviceName == "PaymentService")
        #expect(TripsStub.workflowName == "Trips")
        #expect(Fixtures.services.map(\.name) == ["HotelBooking", "FlightBooking", "PaymentService", "Flaky", "Probe"])
        let renamed = ServiceDefinition(HotelBookingStub.self, implementation: HotelBookingImpl(), name: "Hotels")
        #expect(renamed.name == "Hotels" && renamed.methodNames == ["book", "cancel"])
        let byHand = ServiceDefinition(name: "Hotels", implementation: HotelBookingImpl()) {
            $0.add("book", HotelBookingImpl.book)
        }
        #expect(byHand.name == "Hotels" && byHand.methodNames == ["book"])
    }

    @Test func methodsAreCalledByNameWithEncodedArguments() async throws {
        let payment = Fixtures.services[2]
        let result = try await payment.invoke(method: "charge", arguments: codec.arguments(10, "EUR"), codec: codec)
        #expect(try codec.value(String.self, from: result) == "charged 10 EUR")
        let void = try await Fixtures.services[0].invoke(
            method: "cancel", arguments: codec.arguments("H-1"), codec: codec)
        #expect(void == .void)
        await #expect(throws: InvocationError.self) {
            try await payment.invoke(method: "refund", arguments: [], codec: codec)
        }
        await #expect(throws: InvocationError.self) {
            try await payment.invoke(method: "charge", arguments: codec.arguments(10), codec: codec)
        }
        await #expect(throws: InvocationError.self) {
            try await payment.invoke(method: "charge", arguments: codec.arguments("ten", "EUR"), codec: codec)
        }
    }

    @Test func aStubForwardsToItsInvoker() async throws {
        struct Recorder: InvocationHandler {
            func invoke(_ target: InvocationTarget, method: String, arguments: [Payload]) async throws -> Payload {
                let request = try JSONPayloadCodec().value(BookingRequest.self, from: arguments[0])
                return try JSONPayloadCodec().payload(
                    BookingResult(provider: "\(target)", reference: "\(method) \(request.guest)"))
            }
        }
        let stub = HotelBookingStub(
            invoker: StubInvoker(
                target: .service(name: "HotelBooking", tags: [], meta: [:]), handler: Recorder(), codec: codec))
        #expect(try await stub.book(BookingRequest(guest: "ann")).reference == "book ann")
    }

    @Test func theTaskContextIsSetOnlyWhileTheTaskRuns() async throws {
        #expect(TaskContext.current == nil)
        let executor = ServiceExecutor(definitions: Fixtures.services, emitterName: "worker-1")
        let outbound = await executor.execute(task("Probe", "describe", [], tags: ["x"]), now: now)
        let result = try #require(commandResult(outbound))
        guard case .completed(let payload) = result.outcome else {
            Issue.record("expected completion, got \(result.outcome)")
            return
        }
        #expect(try codec.value(String.self, from: payload) == "Probe describe Trips x - retry 0/0 with workflow id")
        #expect(result.commandId == "t1" && result.workflowId == "wf" && result.methodId == "m")
        let tagRemovals = outbound.filter { if case .serviceTag = $0 { return true } else { return false } }
        #expect(tagRemovals.count == 1)
    }

    @Test func aFailureIsRetriedWithTheComputedDelayThenReported() async throws {
        let executor = ServiceExecutor(definitions: Fixtures.services, emitterName: "worker-1")
        let first = await executor.execute(
            task("Flaky", "attempt", try codec.arguments("x")), now: now, random: { 0.5 })
        guard case .serviceExecutor(let retry, let delivery) = first.first, first.count == 1 else {
            Issue.record("expected one scheduled retry, got \(first)")
            return
        }
        #expect(delivery == .after(.seconds(1)))
        #expect(retry.message.retryIndex == 1 && retry.message.taskId == "t1")
        #expect(retry.message.lastFailure?.error.shortTypeName == "Glitch")
        #expect(retry.message.lastFailure?.secondsBeforeRetry == 1)

        let exhausted = await executor.execute(
            task("Flaky", "attempt", try codec.arguments("x"), retryIndex: 1), now: now)
        #expect(exhausted.count == 1, "attempt 1 fails and is retried again")

        let declined = await executor.execute(
            task("PaymentService", "charge", try codec.arguments(999, "EUR")), now: now)
        let result = try #require(commandResult(declined))
        guard case .failed(.taskFailed(let error)) = result.outcome else {
            Issue.record("expected a task failure, got \(result.outcome)")
            return
        }
        #expect(error.lastFailure.workerName == "worker-1" && error.lastFailure.secondsBeforeRetry == nil)

        let unknown = await executor.execute(task("Nope", "x", []), now: now)
        guard case .failed(.taskFailed(let unknownError)) = try #require(commandResult(unknown)).outcome else {
            Issue.record("an unknown service fails the task")
            return
        }
        #expect(unknownError.lastFailure.error.shortTypeName == "InvocationError")
    }

    @Test func tagEnginesMaintainSetsAndAnswer() throws {
        let engine = ServiceTagEngine(emitterName: "tags")
        let add = Envelope(
            messageId: "1", emitterName: "e", emittedAt: now, requester: nil,
            message: ServiceTagMessage.addTag(TaskTagChange(serviceName: "S", tag: "t", taskId: "id1")))
        #expect(!engine.needsIds(add.message))
        let step = engine.handle(add, ids: [], now: now)
        #expect(step.writes == [StateWrite(key: Topics.serviceTagIds("S", tag: "t"), operation: .addToSet(["id1"]))])
        let query = Envelope(
            messageId: "2", emitterName: "e", emittedAt: now, requester: .client(name: "cl"),
            message: ServiceTagMessage.getIds(TaskTagQuery(serviceName: "S", tag: "t")))
        #expect(engine.needsIds(query.message))
        guard case .client(let name, let answer) = engine.handle(query, ids: ["b", "a"], now: now).outputs.first,
            case .taskIds(let ids) = answer.message
        else {
            Issue.record("expected an answer to the client")
            return
        }
        #expect(name == "cl" && ids.ids == ["a", "b"])
    }

    /// A completed delegated task is remembered for `completionMemory` (a second completion is a no-op), then its
    /// marker is deleted by a message the engine scheduled for itself at the completion.
    @Test func aCompletedDelegatedTaskIsForgottenAfterItsMemory() throws {
        let engine = ServiceTagEngine(emitterName: "tags", completionMemory: .seconds(60))
        let key = Topics.delegatedTask("S", taskId: "t1")
        let task = DelegatedTask(
            serviceName: "S", taskId: "t1", methodName: "approve", resultType: "Swift.String", tags: [],
            requester: .workflow(name: "W", id: "w1", methodId: "w1"))
        let complete = Envelope(
            messageId: "c1", emitterName: "client", emittedAt: now, requester: .client(name: "cl"),
            message: ServiceTagMessage.completeDelegatedTask(
                CompleteDelegatedTask(serviceName: "S", taskId: "t1", result: .void, resultType: "Swift.String")))
        #expect(engine.stateKey(complete.message) == key)
        let completed = engine.handle(complete, ids: [], stored: try codec.encode(task), now: now, codec: codec)
        let forgets = completed.outputs.compactMap { outbound -> (ServiceTagEnvelope, Date)? in
            if case .delayedServiceTag(let envelope, let due) = outbound { return (envelope, due) }
            return nil
        }
        let (forget, due) = try #require(forgets.first)
        #expect(forgets.count == 1 && due == now.addingTimeInterval(60))
        #expect(engine.stateKey(forget.message) == key)
        let message = try Outbound.delayedServiceTag(forget, at: due).outgoingMessage(codec: codec)
        #expect(message.topic == Topics.serviceTag("S") && message.key == DelegatedTask.tag(of: "t1"))
        #expect(message.delivery == .at(due))

        var marker = task
        marker.completed = true
        let forgotten = engine.handle(forget, ids: [], stored: try codec.encode(marker), now: due, codec: codec)
        #expect(forgotten.writes == [StateWrite(key: key, operation: .delete)])
        // A task still open is never forgotten (nor one already gone).
        #expect(engine.handle(forget, ids: [], stored: try codec.encode(task), now: due, codec: codec).writes.isEmpty)
        #expect(engine.handle(forget, ids: [], stored: nil, now: due, codec: codec).writes.isEmpty)
    }

    /// A failed attempt of a delegated task goes through the tag engine, ordered with the completion: a
    /// completion that came first stands; otherwise the attempt's registration goes and its retry or failure goes
    /// on; an abandon by another attempt than the registered one changes nothing.
    @Test func aFailedDelegatedAttemptGoesOnUnlessTheTaskWasCompleted() throws {
        let engine = ServiceTagEngine(emitterName: "tags")
        let key = Topics.delegatedTask("S", taskId: "t1")
        let requester = Requester.workflow(name: "W", id: "w1", methodId: "w1")
        let registered = DelegatedTask(
            serviceName: "S", taskId: "t1", methodName: "approve", resultType: "Swift.String", tags: [],
            requester: requester, retrySequence: 0, retryIndex: 1)
        let retry = Envelope(
            messageId: "r2", emitterName: "executor", emittedAt: now, requester: requester,
            message: ServiceTask(taskId: "t1", serviceName: "S", methodName: "approve", arguments: []))
        func abandon(retryIndex: Int) -> ServiceTagEnvelope {
            Envelope(
                messageId: "a\(retryIndex)", emitterName: "executor", emittedAt: now, requester: requester,
                message: ServiceTagMessage.abandonDelegatedTask(
                    AbandonDelegatedTask(
                        serviceName: "S", taskId: "t1", retrySequence: 0, retryIndex: retryIndex, retry: retry,
                        retryDelayMilliseconds: 250, failure: nil)))
        }
        #expect(engine.stateKey(abandon(retryIndex: 1).message) == key)
        // Waiting: the registration goes, the retry is scheduled.
        let waiting = engine.handle(
            abandon(retryIndex: 1), ids: [], stored: try codec.encode(registered), now: now, codec: codec)
        #expect(waiting.writes == [StateWrite(key: key, operation: .delete)])
        guard waiting.outputs.count == 1, case .serviceExecutor(let sent, .after(let delay)) = waiting.outputs[0] else {
            Issue.record("expected the retry, got \(waiting.outputs)")
            return
        }
        #expect(sent.messageId == "r2" && delay == .milliseconds(250))
        // Completed first: the completion stands.
        var completed = registered
        completed.completed = true
        let late = engine.handle(
            abandon(retryIndex: 1), ids: [], stored: try codec.encode(completed), now: now, codec: codec)
        #expect(late.writes.isEmpty && late.outputs.isEmpty)
        // Another attempt registered since: a stale repeat changes nothing.
        let stale = engine.handle(
            abandon(retryIndex: 0), ids: [], stored: try codec.encode(registered), now: now, codec: codec)
        #expect(stale.writes.isEmpty && stale.outputs.isEmpty)
        // Nothing registered (an abandon handled twice): the failure is sent again rather than lost.
        let again = engine.handle(abandon(retryIndex: 1), ids: [], stored: nil, now: now, codec: codec)
        #expect(again.writes.isEmpty && again.outputs.count == 1)
    }

    @Test func aByTagCommandFromAWorkflowSkipsThatWorkflow() {
        let engine = WorkflowTagEngine(emitterName: "tags")
        let cancel = Envelope(
            messageId: "1", emitterName: "e", emittedAt: now,
            requester: .workflow(name: "Trips", id: "a", methodId: "a"),
            message: WorkflowTagMessage.cancelByTag(WorkflowTagQuery(workflowName: "Trips", tag: "t")))
        let targets = engine.handle(cancel, ids: ["a", "b", "c"], now: now).outputs.compactMap { outbound -> String? in
            if case .workflowEngine(let envelope) = outbound { return envelope.message.workflowId }
            return nil
        }
        #expect(targets == ["b", "c"])
    }

    @Test func topicsAndKeysAreNamedInOnePlace() throws {
        #expect(Topics.workflowEngine("W") == Topic("workflow-engine:W", keyed: true))
        #expect(Topics.workflowExecutor("W").name == "workflow-executor:W")
        #expect(Topics.serviceExecutor("S").name == "service-executor:S")
        #expect(Topics.workflowTag("W") == Topic("workflow-tag:W", keyed: true))
        #expect(Topics.serviceTag("S") == Topic("service-tag:S", keyed: true))
        #expect(Topics.client("c").name == "client:c")
        #expect(Topics.workflowState("W", workflowId: "1").partitionKey == "1")
        let outbound = Outbound.client(
            name: "c",
            Envelope(
                messageId: "id-1", emitterName: "e", emittedAt: now, requester: nil,
                message: ClientMessage.taskIds(IdsByTag(name: "S", tag: "t", ids: []))))
        let message = try outbound.outgoingMessage(codec: codec)
        #expect(message.topic.name == "client:c" && message.id == "id-1")
        #expect(try codec.decode(ClientEnvelope.self, from: message.payload).messageId == "id-1")
    }
}
