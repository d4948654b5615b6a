import Foundation
import Infinitic
import Testing

@testable import InfiniticTransport

/// The failure paths of the real roles, through the code production runs (`Role.handle`, settled by the
/// transports' rules in `EngineLoop`): a task out of retries, a state the engine cannot read (retried, then
/// dead-lettered), a task or workflow output that cannot be encoded.
@Suite struct FailurePathTests {
    /// Flaky fails its attempts 0 and 1; with one retry allowed, it runs out: the workflow fails with a
    /// `TaskFailedError` whose last failure chains every attempt (`previous`), each with its retry decision.
    @Test func aTaskOutOfRetriesFailsWithEveryAttemptChained() async throws {
        let oneRetry = RetryPolicy(minimumSeconds: 1, randomFactor: 0, maximumRetries: 1)
        let services =
            Fixtures.services.filter { $0.name != "Flaky" }
            + [ServiceDefinition(FlakyStub.self, implementation: FlakyImpl(), retryPolicy: oneRetry)]
        let loop = EngineLoop(services: services)
        let id = try loop.startWorkflow(method: "flaky", arguments: [])
        try await loop.run()
        let responses = loop.responses(for: id)
        #expect(responses.count == 1)
        guard case .methodFailed(let failed)? = responses.first, case .taskFailed(let error) = failed.cause else {
            Issue.record("expected a task failure, got \(responses)")
            return
        }
        #expect(error.serviceName == "Flaky" && error.methodName == "attempt")
        let last = error.lastFailure
        #expect(last.retryIndex == 1 && last.secondsBeforeRetry == nil, "the last attempt is not retried")
        #expect(last.error.shortTypeName == "Glitch")
        #expect(try last.error.decodeProperties(as: Glitch.self).attempt == 1)
        let first = try #require(last.previous, "the first attempt's failure is chained")
        #expect(first.retryIndex == 0 && first.secondsBeforeRetry == 1, "the first attempt was retried after 1 s")
        #expect(try first.error.decodeProperties(as: Glitch.self).attempt == 0)
        #expect(first.previous == nil, "two attempts, two failures")
        #expect(try loop.state(id) != nil, "a failed method keeps its state")
    }

    /// A state written by newer code (a higher schema) is not touched: the state engine retries the batch (a
    /// second later, its delivery count one higher) until `maxDeliveries`, then the message is dead-lettered with
    /// the reason; a message for another instance goes on meanwhile.
    @Test func aNewerSchemaStateIsRetriedThenDeadLettered() async throws {
        let loop = EngineLoop(maxDeliveries: 3, allowDeadLetters: true)
        let id = "from-the-future"
        var header = WorkflowStateHeader(
            workflowName: "Trips", workflowId: id, tags: [], meta: [:], createdAt: loop.clock)
        header.schemaVersion = WorkflowStateHeader.currentSchemaVersion + 1
        let key = Topics.workflowState("Trips", workflowId: id)
        loop.store.put(key, fields: ["h": try loop.codec.encode(header)])
        try loop.sendAsClient(.waitMethod(WaitMethod(workflowName: "Trips", workflowId: id, methodId: id)))
        let other = try loop.startWorkflow(method: "sequential", arguments: loop.codec.arguments("ok"))
        try await loop.run()
        #expect(try loop.result([BookingResult].self, workflowId: other)?.count == 2, "other instances go on")
        #expect(loop.retries == 2, "delivered three times: retried twice")
        let letter = try #require(loop.deadLetters.first)
        #expect(loop.deadLetters.count == 1)
        #expect(letter.key == id && letter.deliveries == 3)
        #expect(letter.reason.contains("gave up after 3 deliveries") && letter.reason.contains("newer"))
        #expect(loop.store.fields(of: key)?.version == 1, "the newer state is left as it was")
        #expect(loop.responses(for: id).isEmpty)
    }

    /// A state that cannot be read (a corrupt header) is retried, not dropped or overwritten: once it reads
    /// again (here: removed by an operator), the retried message is applied.
    @Test func anUnreadableStateIsRetriedUntilItReads() async throws {
        let loop = EngineLoop(maxDeliveries: 5)
        let id = "corrupt"
        let key = Topics.workflowState("Trips", workflowId: id)
        loop.store.put(key, fields: ["h": Array("not a header".utf8)])
        try loop.sendAsClient(.waitMethod(WaitMethod(workflowName: "Trips", workflowId: id, methodId: id)))
        try await loop.run(steps: 1)
        #expect(loop.retries == 1 && loop.pendingCount == 1, "the message waits for its retry")
        #expect(loop.store.fields(of: key)?.fields["h"] == Array("not a header".utf8), "the state is untouched")
        loop.store.delete(key)
        try await loop.run()
        guard case .methodUnknown(let unknown)? = loop.responses(for: id).first else {
            Issue.record("expected the retried wait to be answered, got \(loop.responses(for: id))")
            return
        }
        #expect(unknown.workflowId == id && loop.deadLetters.isEmpty)
    }

    /// A task whose return value cannot be encoded fails like a throwing task (a `TaskFailedError` naming the
    /// encoding error), through the service executor role's own decode, step and commit.
    @Test func anOutputThatCannotBeEncodedFailsTheTask() async throws {
        let codec = BinaryPayloadCodec()
        let role = ServiceExecutorRole(
            definition: ServiceDefinition(ExporterStub.self, implementation: ExporterImpl()), emitterName: "worker",
            codec: codec)
        let envelope = ServiceExecutorEnvelope(
            messageId: "m1", emitterName: "engine", emittedAt: Date(),
            requester: .workflow(name: "Trips", id: "wf", methodId: "wf"),
            message: ServiceTask(taskId: "t1", serviceName: "Exporter", methodName: "export", arguments: []))
        let message = ReceivedMessage(
            id: "0-1", topic: role.topic, key: nil, payload: try codec.encode(envelope), deliveryCount: 1,
            publishedAt: Date())
        let decision = try await RoleContext.withContext(store: LoopStore(), now: { Date() }) { context in
            try await role.handle(MessageBatch([message]), context: context)
        }
        guard case .ack(let commit) = decision.disposition, decision.deadLetters.isEmpty else {
            Issue.record("expected an acknowledgement, got \(decision)")
            return
        }
        let results = try commit.messages.compactMap { message -> CommandResult? in
            guard
                case .commandResult(let result) = try codec.decode(WorkflowEngineEnvelope.self, from: message.payload)
                    .message
            else { return nil }
            return result
        }
        guard case .failed(.taskFailed(let error))? = results.first?.outcome, results.count == 1 else {
            Issue.record("expected one failed command result, got \(results)")
            return
        }
        #expect(error.taskId == "t1" && error.lastFailure.error.shortTypeName == "EncodingError")
        #expect(error.lastFailure.error.message.contains("cannot be encoded"))
    }

    /// A workflow method whose return value cannot be encoded fails the method (the client is told, with the
    /// encoding error), through the workflow executor and state engine roles.
    @Test func aWorkflowOutputThatCannotBeEncodedFailsTheMethod() async throws {
        let loop = EngineLoop(
            workflows: [WorkflowDefinition(ExportsStub.self, implementation: ExportsImpl.self)], services: [])
        let id = try loop.startWorkflow("Exports", method: "unencodable", arguments: [])
        try await loop.run()
        let responses = loop.responses(for: id)
        #expect(responses.count == 1)
        guard case .methodFailed(let failed)? = responses.first, case .error(let error) = failed.cause else {
            Issue.record("expected the method to fail with the encoding error, got \(responses)")
            return
        }
        #expect(failed.methodName == "unencodable")
        #expect(error.shortTypeName == "EncodingError" && error.message.contains("cannot be encoded"), "\(error)")
    }
}

/// A workflow whose method returns a value that cannot be encoded.
@Workflow protocol Exports: Sendable {
    func unencodable() async throws -> Unencodable
}

struct ExportsImpl: Exports, WorkflowImplementation {
    let context: WorkflowContext

    init(context: WorkflowContext) {
        self.context = context
    }

    func unencodable() async throws -> Unencodable { Unencodable() }
}

/// A value whose encoding always fails.
struct Unencodable: Codable, Sendable {
    init() {}

    func encode(to encoder: any Encoder) throws {
        throw EncodingError.invalidValue(
            "export", EncodingError.Context(codingPath: encoder.codingPath, debugDescription: "cannot be encoded"))
    }
}

protocol Exporter: Sendable {
    func export() async throws -> Unencodable
}

struct ExporterStub: Exporter, ServiceStub {
    typealias Contract = any Exporter
    typealias Implementation = any Exporter
    let invoker: StubInvoker
    init(invoker: StubInvoker) { self.invoker = invoker }
    func export() async throws -> Unencodable { try await invoker.call("export") }
    static func register(_ table: inout MethodTable<Implementation>) {
        table.add("export") { $0.export }
    }
}

struct ExporterImpl: Exporter {
    func export() async throws -> Unencodable { Unencodable() }
}
