import Foundation
import Synchronization
import Testing

@testable import Infinitic

/// Batch methods without a transport: the service executor role's step over several tasks at once gathers them
/// by method and batch key, up to `maxMessages`; each task gets its own result, missing results fail their task
/// only, a throwing batch fails (and retries) each task, and a retry runs alone.
@Suite(.timeLimit(.minutes(1))) struct BatchMethodTests {
    let codec = JSONPayloadCodec()

    /// What a batch call saw.
    struct Batch: Sendable, Hashable {
        var inputs: [String: String]
        var batchKey: String?
        var taskKeys: Set<String?>
        var retryIndexes: Set<Int>
        var hadTaskContext: Bool
    }

    final class Recorder: Sendable {
        private let state = Mutex<[Batch]>([])
        func record(_ inputs: [String: String]) {
            let context = BatchContext.current
            let batch = Batch(
                inputs: inputs, batchKey: context?.batchKey,
                taskKeys: Set((context?.tasks.values).map { $0.map(\.batchKey) } ?? []),
                retryIndexes: Set((context?.tasks.values).map { $0.map(\.retryIndex) } ?? []),
                hadTaskContext: TaskContext.current != nil)
            state.withLock { $0.append(batch) }
        }
        var batches: [Batch] { state.withLock { $0 } }
    }

    /// A "Mailer" service whose batch method `send` answers "sent <input>", except: it leaves out inputs starting
    /// with "drop", answers an extra task id too, and throws when an input starting with "boom" is in a first
    /// attempt.
    func mailer(
        _ recorder: Recorder, maxMessages: Int = 10, maxWait: Duration = .milliseconds(200),
        retryPolicy: RetryPolicy = .none, executionTimeout: Duration? = nil
    ) -> ServiceDefinition {
        ServiceDefinition(
            name: "Mailer", implementation: 0, retryPolicy: retryPolicy, executionTimeout: executionTimeout
        ) { _ in }
        .batch("send", maxMessages: maxMessages, maxWait: maxWait) { (inputs: [String: String]) in
            recorder.record(inputs)
            let firstAttempt = BatchContext.current?.tasks.values.allSatisfy { $0.retryIndex == 0 } ?? true
            if firstAttempt, inputs.values.contains(where: { $0.hasPrefix("boom") }) {
                throw BatchBoom()
            }
            if inputs.values.contains("slow") { try await Task.sleep(for: .seconds(5)) }
            var outputs = inputs.filter { !$0.value.hasPrefix("drop") }.mapValues { "sent \($0)" }
            outputs["no-such-task"] = "extra"
            return outputs
        }
    }

    struct BatchBoom: Error {}

    func envelope(_ taskId: String, _ input: String, batchKey: String? = nil) throws -> ServiceExecutorEnvelope {
        Envelope(
            messageId: "m-\(taskId)", emitterName: "engine", emittedAt: Date(),
            requester: .workflow(name: "Campaigns", id: "wf", methodId: "wf"),
            message: ServiceTask(
                taskId: taskId, serviceName: "Mailer", methodName: "send", arguments: [try codec.payload(input)],
                meta: batchKey.map { [TaskContext.batchKeyMeta: $0] } ?? [:]))
    }

    /// What one step over `envelopes` sends: each task's outcome by task id, and the retries it schedules.
    struct StepOutput {
        var outcomes: [String: CommandStatus] = [:]
        var retries: [ServiceExecutorEnvelope] = []
        /// The event types of each task, by task id.
        var events: [String: [String]] = [:]
    }

    func step(_ role: ServiceExecutorRole, _ envelopes: [ServiceExecutorEnvelope]) async throws -> StepOutput {
        let inputs = try envelopes.enumerated().map { index, envelope in
            RoleInput(
                message: ReceivedMessage(
                    id: "0-\(index + 1)", topic: role.topic, key: nil, payload: try codec.encode(envelope),
                    deliveryCount: 1, publishedAt: Date()),
                value: envelope)
        }
        let decision = try await RoleContext.withContext(store: LoopStore(), now: { Date() }) { context in
            try await role.step(inputs, context: context)
        }
        guard case .ack(let commit) = decision.disposition else {
            Issue.record("expected an acknowledgement, got \(decision)")
            return StepOutput()
        }
        var output = StepOutput()
        for message in commit.messages {
            if message.topic == EventSettings().topic {
                for event in try CloudEvent.decode(message.payload) {
                    output.events[event.subject, default: []].append(event.type)
                }
            } else if message.topic == Topics.serviceExecutor("Mailer") {
                output.retries.append(try codec.decode(ServiceExecutorEnvelope.self, from: message.payload))
            } else if case .commandResult(let result) = try codec.decode(
                WorkflowEngineEnvelope.self, from: message.payload
            ).message {
                output.outcomes[result.commandId] = result.outcome
            }
        }
        return output
    }

    func role(_ definition: ServiceDefinition) -> ServiceExecutorRole {
        ServiceExecutorRole(definition: definition, emitterName: "worker", codec: codec, events: EventSettings())
    }

    func sent(_ status: CommandStatus?) -> String? {
        guard case .completed(let payload)? = status else { return nil }
        return try? codec.value(String.self, from: payload)
    }

    func failure(_ status: CommandStatus?) -> String? {
        guard case .failed(.taskFailed(let error))? = status else { return nil }
        return error.lastFailure.error.shortTypeName
    }

    @Test func tasksAreGroupedByBatchKeyAndEachGetsItsResult() async throws {
        let recorder = Recorder()
        let keys: [String?] = ["a", "b", nil, "a", "b", nil, "a"]
        var envelopes: [ServiceExecutorEnvelope] = []
        for (index, key) in keys.enumerated() {
            envelopes.append(try envelope("t\(index)", "x\(index)", batchKey: key))
        }
        let output = try await step(role(mailer(recorder)), envelopes)
        for index in keys.indices { #expect(sent(output.outcomes["t\(index)"]) == "sent x\(index)") }
        let batches = recorder.batches
        #expect(batches.map(\.inputs.count).sorted() == [2, 2, 3])
        #expect(Set(batches.map(\.batchKey)) == ["a", "b", nil])
        for batch in batches {
            #expect(batch.taskKeys == [batch.batchKey], "a batch mixes batch keys: \(batch)")
            #expect(!batch.hadTaskContext, "TaskContext.current is set inside a batch call")
        }
    }

    @Test func batchesHoldAtMostMaxMessages() async throws {
        let recorder = Recorder()
        let envelopes = try (0..<7).map { try envelope("t\($0)", "x\($0)") }
        let output = try await step(role(mailer(recorder, maxMessages: 3)), envelopes)
        #expect(output.outcomes.count == 7)
        // Two full batches run at once; the last task waits maxWait for others, alone.
        #expect(recorder.batches.map(\.inputs.count).sorted() == [1, 3, 3])
    }

    @Test func aMissingResultFailsOnlyItsTaskAndExtraResultsAreIgnored() async throws {
        let recorder = Recorder()
        let envelopes = [
            try envelope("t1", "hello"), try envelope("t2", "drop me"), try envelope("t3", "bye"),
        ]
        let output = try await step(role(mailer(recorder)), envelopes)
        #expect(recorder.batches.count == 1)
        #expect(sent(output.outcomes["t1"]) == "sent hello" && sent(output.outcomes["t3"]) == "sent bye")
        #expect(failure(output.outcomes["t2"]) == "BatchResultMissingError")
        #expect(output.outcomes["no-such-task"] == nil && output.outcomes.count == 3)
        // Each task has its own events, as if it ran alone.
        let started = InfiniticEventType.taskStarted.rawValue
        #expect(output.events["t1"] == [started, InfiniticEventType.taskCompleted.rawValue])
        #expect(output.events["t2"] == [started, InfiniticEventType.taskFailed.rawValue])
        #expect(output.events["t3"] == [started, InfiniticEventType.taskCompleted.rawValue])
    }

    @Test func aMissingResultIsRetriedAloneByTheRetryPolicy() async throws {
        let recorder = Recorder()
        let retrying = RetryPolicy(minimumSeconds: 0.01, randomFactor: 0, maximumRetries: 1)
        let role = role(mailer(recorder, retryPolicy: retrying))
        let first = try await step(role, [try envelope("t1", "hello"), try envelope("t2", "drop me")])
        #expect(sent(first.outcomes["t1"]) == "sent hello" && first.outcomes["t2"] == nil)
        #expect(first.retries.map(\.message.taskId) == ["t2"])
        let retry = try #require(first.retries.first)
        #expect(retry.message.retryIndex == 1)
        // The retry runs alone, without waiting for others, even with another first attempt at hand.
        let second = try await step(role, [retry, try envelope("t3", "other")])
        #expect(failure(second.outcomes["t2"]) == "BatchResultMissingError")
        #expect(sent(second.outcomes["t3"]) == "sent other")
        #expect(recorder.batches.last(where: { $0.inputs.keys.contains("t2") })?.inputs.count == 1)
    }

    @Test func aThrowingBatchFailsEachTaskWhichIsThenRetriedAlone() async throws {
        let recorder = Recorder()
        let retrying = RetryPolicy(minimumSeconds: 0.01, randomFactor: 0, maximumRetries: 2)
        let role = role(mailer(recorder, retryPolicy: retrying))
        let envelopes = try ["boom", "a", "b", "c"].enumerated().map { try envelope("t\($0)", $1) }
        let first = try await step(role, envelopes)
        #expect(first.outcomes.isEmpty)
        #expect(first.retries.map(\.message.taskId).sorted() == ["t0", "t1", "t2", "t3"])
        #expect(first.retries.allSatisfy { $0.message.lastFailure?.error.shortTypeName == "BatchBoom" })
        let second = try await step(role, first.retries)
        #expect(sent(second.outcomes["t0"]) == "sent boom" && sent(second.outcomes["t3"]) == "sent c")
        #expect(second.outcomes.count == 4 && second.retries.isEmpty)
        let retried = recorder.batches.dropFirst()
        #expect(retried.count == 4 && retried.allSatisfy { $0.inputs.count == 1 && $0.retryIndexes == [1] })
    }

    @Test func anUndecodableArgumentFailsOnlyItsTask() async throws {
        let recorder = Recorder()
        var wrong = try envelope("t2", "x")
        wrong.message.arguments = [try codec.payload(42)]
        let output = try await step(role(mailer(recorder)), [try envelope("t1", "hello"), wrong])
        #expect(sent(output.outcomes["t1"]) == "sent hello")
        #expect(failure(output.outcomes["t2"]) == "InvocationError")
        #expect(recorder.batches.map(\.inputs) == [["t1": "hello"]])
    }

    @Test func theExecutionTimeoutAppliesToTheBatchCall() async throws {
        let recorder = Recorder()
        let role = role(mailer(recorder, executionTimeout: .milliseconds(300)))
        let output = try await step(role, [try envelope("t1", "slow"), try envelope("t2", "fast")])
        #expect(recorder.batches.count == 1)
        #expect(failure(output.outcomes["t1"]) == "TaskExecutionTimeoutError")
        #expect(failure(output.outcomes["t2"]) == "TaskExecutionTimeoutError")
    }

    @Test func aLoneTaskRunsAfterMaxWait() async throws {
        let recorder = Recorder()
        let started = ContinuousClock.now
        let output = try await step(role(mailer(recorder, maxWait: .milliseconds(300))), [try envelope("t1", "hi")])
        #expect(sent(output.outcomes["t1"]) == "sent hi")
        #expect(ContinuousClock.now - started >= .milliseconds(300))
        #expect(recorder.batches.count == 1)
    }

    @Test func aHardStopEndsTheWaitAndRunsNothing() async throws {
        let recorder = Recorder()
        let role = role(mailer(recorder, maxWait: .seconds(30)))
        let envelopes = [try envelope("t1", "a"), try envelope("t2", "b")]
        let started = ContinuousClock.now
        let stepping = Task { try await step(role, envelopes) }
        try await Task.sleep(for: .milliseconds(100))
        stepping.cancel()
        await #expect(throws: CancellationError.self) { _ = try await stepping.value }
        #expect(ContinuousClock.now - started < .seconds(10))
        #expect(recorder.batches.isEmpty)
    }

    @Test func aBatchMethodIsRegisteredWithItsResultType() {
        let definition = mailer(Recorder())
        #expect(definition.methodNames == ["send"])
        #expect(definition.resultTypes["send"] == String(reflecting: String.self))
        #expect(definition.batchMethods["send"]?.maxMessages == 10)
    }

    @Test func aVoidBatchMethodCompletesEveryTask() async throws {
        let seen = Mutex<[Int]>([])
        let definition = ServiceDefinition(name: "Mailer", implementation: 0) { _ in }
            .batch("send", maxMessages: 5, maxWait: .milliseconds(100)) { (inputs: [String: String]) in
                seen.withLock { $0.append(inputs.count) }
            }
        let output = try await step(role(definition), [try envelope("t1", "a"), try envelope("t2", "b")])
        #expect(output.outcomes["t1"] == .completed(.void) && output.outcomes["t2"] == .completed(.void))
        #expect(seen.withLock { $0 } == [2])
    }
}
