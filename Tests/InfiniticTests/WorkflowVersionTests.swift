import Foundation
import Testing

@testable import Infinitic

/// Workflow versions without a transport: which version an executor replays, what the state engine records and
/// sends, the registration rules, and what bytes written before versions decode to.
@Suite struct WorkflowVersionTests {
    let codec = JSONPayloadCodec()
    let instant = Date(timeIntervalSince1970: 1_800_000_000)

    /// A workflow task of `Versioned.version` (a method that returns at once).
    func task(index: Int, version: Int?) -> WorkflowTask {
        WorkflowTask(
            workflowTaskId: "task-\(index)", workflowName: VersionedStub.workflowName, workflowId: "wf", tags: [],
            meta: [:], taskIndex: index, instant: instant,
            method: MethodHistory(
                methodId: "m-\(index)", methodName: "version", arguments: [],
                start: Resumption(taskIndex: index, instant: instant, properties: [:])),
            workflowVersion: version)
    }

    /// The output an executor of `versions` emits for `task`.
    func output(of task: WorkflowTask, versions: [Int]) async throws -> WorkflowTaskOutput {
        let executor = WorkflowExecutor(
            definitions: versions.map(VersionFixtures.definition), emitterName: "executor", codec: codec)
        let envelope = Envelope(
            messageId: "execute", emitterName: "engine", emittedAt: instant, requester: nil, message: task)
        for case .workflowEngine(let result) in await executor.execute(envelope, now: instant) {
            if case .workflowTaskCompleted(let completed) = result.message { return completed.output }
        }
        Issue.record("no workflow task result")
        throw CancellationError()
    }

    func returned(_ output: WorkflowTaskOutput) throws -> String? {
        guard case .returned(let payload) = output.outcome else { return nil }
        return try codec.value(String.self, from: payload)
    }

    @Test func aNewInstanceTakesTheHighestVersion() async throws {
        let output = try await output(of: task(index: 1, version: nil), versions: [1, 3, 0, 2])
        #expect(output.workflowVersion == 3)
        #expect(try returned(output) == "v2 code sees version 3")
    }

    @Test func aRecordedVersionIsReplayedEvenWhenHigherOnesExist() async throws {
        let output = try await output(of: task(index: 4, version: 1), versions: [0, 1, 2])
        #expect(output.workflowVersion == 1)
        #expect(try returned(output) == "v1 code sees version 1")
    }

    @Test func aLaterTaskWithoutVersionWasWrittenBeforeVersionsAndRunsVersionZero() async throws {
        let output = try await output(of: task(index: 2, version: nil), versions: [0, 2])
        #expect(output.workflowVersion == 0)
        #expect(try returned(output) == "v1 code sees version 0")
    }

    @Test func aVersionTheExecutorLacksFailsTheWorkflowTaskWithATypedError() async throws {
        let output = try await output(of: task(index: 3, version: 5), versions: [2, 0, 1])
        guard case .workflowTaskFailed(let failure) = output.outcome else {
            Issue.record("unexpected outcome \(output.outcome)")
            return
        }
        #expect(failure.error.isOfType(WorkflowVersionUnavailableError.self))
        let error = try failure.error.decodeProperties(as: WorkflowVersionUnavailableError.self, codec: codec)
        #expect(
            error
                == WorkflowVersionUnavailableError(
                    workflowName: "Versioned", workflowId: "wf", version: 5, availableVersions: [0, 1, 2]))
        #expect(failure.error.message.contains("runs version 5"))
        #expect(output.workflowVersion == nil, "no version ran")
    }

    // MARK: registration

    @Test func severalVersionsOfOneWorkflowRegisterButNotOneVersionTwice() throws {
        let transport = ExistingTransport.inMemory(InMemoryTransport())
        try WorkerConfiguration(
            transport: transport, workflows: [VersionFixtures.definition(1), VersionFixtures.definition(2)]
        ).validate()
        let twice = try #require(throws: InfiniticError.self) {
            try WorkerConfiguration(
                transport: transport, workflows: [VersionFixtures.definition(2), VersionFixtures.definition(2)]
            ).validate()
        }
        #expect(twice.message.contains("Versioned version 2 is registered twice"))
        let negative = try #require(throws: InfiniticError.self) {
            try WorkerConfiguration(transport: transport, workflows: [VersionFixtures.definition(-1)]).validate()
        }
        #expect(negative.message.contains("version of 0 or more"))
        #expect(
            WorkerConfiguration(
                transport: transport, workflows: [VersionFixtures.definition(1), VersionFixtures.definition(2)]
            ).resolvedRoles.filter { $0 == .workflowExecutor("Versioned") }.count == 1,
            "one executor serves every version")
    }
}

/// The state engine records the version of an instance's first workflow task and sends it with every later one.
extension WorkflowStateEngineTests {
    func failedOutput(version: Int?, error: ErrorDescription) -> WorkflowTaskOutput {
        WorkflowTaskOutput(
            outcome: .workflowTaskFailed(
                WorkflowTaskFailedError(
                    workflowName: "Trips", workflowId: "wf", workflowTaskId: "t", methodName: "sequential",
                    error: error)),
            workflowVersion: version)
    }

    @Test func theStateRecordsTheVersionOfTheFirstWorkflowTaskAndSendsItAfterwards() throws {
        let (created, creation) = try apply([envelope(dispatchWorkflow())], to: nil)
        let first = try #require(workflowTasks(creation).first)
        #expect(first.workflowVersion == nil, "the executor of the first workflow task picks the version")
        var output = waitingOn(["c1"], position: 2)
        output.workflowVersion = 3
        let (waiting, _) = try apply([envelope(try taskCompleted(created, output))], to: created)
        #expect(waiting?.header.workflowVersion == 3)
        let resultEnvelope = envelope(try result("c1"))
        let (resumed, resumption) = try apply([resultEnvelope], to: waiting)
        let next = try #require(workflowTasks(resumption).first)
        #expect(next.taskIndex == 2 && next.workflowVersion == 3)
        // Its events name the version too.
        let events = WorkflowEvents.events(
            of: [resultEnvelope], before: waiting, transition: resumption, now: now, settings: EventSettings())
        #expect(!events.isEmpty && events.allSatisfy { $0.data["workflowVersion"] == "3" })
        // A later output naming another version changes nothing.
        var later = waitingOn(["c2"], position: 4, createdAt: 2)
        later.workflowVersion = 7
        let (after, _) = try apply([envelope(try taskCompleted(resumed, later))], to: resumed)
        #expect(after?.header.workflowVersion == 3)
        // A method dispatched on the running instance runs its version.
        let method = DispatchMethod(
            workflowName: "Trips", workflowId: "wf", methodName: "other", methodId: "m2", arguments: [])
        let (_, dispatched) = try apply([envelope(.dispatchMethod(method))], to: after)
        let methodTask = try #require(workflowTasks(dispatched).first)
        #expect(methodTask.method.methodId == "m2" && methodTask.workflowVersion == 3)
    }

    @Test func aFailedFirstWorkflowTaskKeepsTheVersionThatRanForItsRetry() throws {
        let (created, _) = try apply([envelope(dispatchWorkflow())], to: nil)
        let failed = failedOutput(version: 2, error: ErrorDescription(typeName: "Bug", message: "a bug"))
        let (failedState, _) = try apply([envelope(try taskCompleted(created, failed))], to: created)
        #expect(failedState?.header.workflowVersion == 2)
        let retry = WorkflowEngineMessage.retryWorkflowTask(RetryWorkflowTask(workflowName: "Trips", workflowId: "wf"))
        let (_, retried) = try apply([envelope(retry)], to: failedState)
        #expect(workflowTasks(retried).first?.workflowVersion == 2)
    }

    @Test func aVersionUnavailableFailureIsRetriedWithTheSameVersion() throws {
        let (created, _) = try apply([envelope(dispatchWorkflow())], to: nil)
        var output = waitingOn(["c1"], position: 2)
        output.workflowVersion = 2
        let (waiting, _) = try apply([envelope(try taskCompleted(created, output))], to: created)
        let (resumed, _) = try apply([envelope(try result("c1"))], to: waiting)
        let unavailable = WorkflowVersionUnavailableError(
            workflowName: "Trips", workflowId: "wf", version: 2, availableVersions: [1])
        let failed = failedOutput(version: nil, error: ErrorDescription(unavailable, codec: codec))
        let (failedState, _) = try apply([envelope(try taskCompleted(resumed, failed))], to: resumed)
        #expect(failedState?.header.workflowVersion == 2)
        #expect(failedState?.header.methods.first?.ending == .failed, "the method fails, keeping its state")
        let retry = WorkflowEngineMessage.retryWorkflowTask(RetryWorkflowTask(workflowName: "Trips", workflowId: "wf"))
        let (_, retried) = try apply([envelope(retry)], to: failedState)
        let again = try #require(workflowTasks(retried).first)
        #expect(again.workflowVersion == 2 && again.method.methodId == "wf")
    }

    @Test func aRetriedTaskCarriesTheInstanceVersion() throws {
        let (created, _) = try apply([envelope(dispatchWorkflow())], to: nil)
        var output = waitingOn(["c1"], position: 2)
        output.workflowVersion = 3
        let (waiting, _) = try apply([envelope(try taskCompleted(created, output))], to: created)
        let failure = DeferredFailure.taskFailed(
            TaskFailedError(
                serviceName: "HotelBooking", methodName: "book", taskId: "c1",
                lastFailure: TaskFailure(
                    workerName: "w", error: ErrorDescription(typeName: "Full", message: "full"), retryIndex: 0,
                    retrySequence: 0, secondsBeforeRetry: nil, previous: nil)))
        let failed = WorkflowEngineMessage.commandResult(
            CommandResult(
                workflowName: "Trips", workflowId: "wf", methodId: "wf", commandId: "c1", outcome: .failed(failure)))
        let (resumed, _) = try apply([envelope(failed)], to: waiting)
        let threw = WorkflowTaskOutput(outcome: .threw(failure), workflowVersion: 3)
        let (failedState, _) = try apply([envelope(try taskCompleted(resumed, threw))], to: resumed)
        #expect(failedState?.header.methods.first?.ending == .failed)
        let retry = WorkflowEngineMessage.retryTasks(
            RetryTasks(workflowName: "Trips", workflowId: "wf", selection: TaskSelection()))
        let (_, retried) = try apply([envelope(retry)], to: failedState)
        let tasks = retried.outputs.compactMap {
            if case .serviceExecutor(let envelope, _) = $0 { return envelope.message } else { return nil }
        }
        #expect(tasks.map(\.taskId) == ["c1"])
        #expect(tasks.first?.workflowVersion == 3)
    }
}

// MARK: bytes written before versions

/// `WorkflowTask` as written before versions.
private struct LegacyWorkflowTask: Codable, Equatable {
    var workflowTaskId: String
    var workflowName: String
    var workflowId: String
    var tags: Set<String>
    var meta: [String: String]
    var taskIndex: Int
    var instant: Date
    var method: MethodHistory
}

/// `WorkflowStateHeader` as written before versions.
private struct LegacyHeader: Codable {
    var schemaVersion: Int
    var workflowName: String
    var workflowId: String
    var tags: Set<String>
    var meta: [String: String]
    var lastMessageId: String?
    var workflowTaskIndex: Int
    var runningWorkflowTask: RunningWorkflowTask?
    var lastInstant: Date
    var methods: [MethodSummary]
    var earlyResultIds: Set<String>
    var resolutionCount: Int
    var retainedUntil: Date?
    var closed: Bool?
}

/// `ServiceTask` as written before versions.
private struct LegacyServiceTask: Codable {
    var taskId: String
    var serviceName: String
    var methodName: String
    var arguments: [Payload]
    var tags: Set<String>
    var meta: [String: String]
    var retryIndex: Int
    var retrySequence: Int
    var lastFailure: TaskFailure?
}

/// `WorkflowTaskOutput` as written before versions.
private struct LegacyOutput: Codable {
    var newCommands: [CommandRecord]
    var passedSteps: [PastStep]
    var properties: [String: Payload]
    var outcome: WorkflowTaskOutput.Outcome
}

/// Stored states and messages in flight written before versions decode (without a version), and what this code
/// writes decodes with the code before it (a rollback).
@Suite struct WorkflowVersionCompatibilityTests {
    static let codecs: [any PayloadCodec] = [BinaryPayloadCodec(), JSONPayloadCodec()]
    let instant = Date(timeIntervalSince1970: 1_800_000_000)

    private var legacyTask: LegacyWorkflowTask {
        LegacyWorkflowTask(
            workflowTaskId: "t-2", workflowName: "Versioned", workflowId: "wf", tags: ["a"], meta: ["k": "v"],
            taskIndex: 2, instant: instant, method: CodecFixtures.history)
    }

    @Test func workflowTasks() throws {
        for codec in Self.codecs {
            let task = try codec.decode(WorkflowTask.self, from: try codec.encode(legacyTask))
            #expect(task.workflowVersion == nil && task.taskIndex == 2 && task.method == CodecFixtures.history)
            var versioned = task
            versioned.workflowVersion = 4
            let bytes = try codec.encode(versioned)
            #expect(try codec.decode(WorkflowTask.self, from: bytes).workflowVersion == 4)
            #expect(try codec.decode(LegacyWorkflowTask.self, from: bytes) == legacyTask)
        }
    }

    @Test func stateHeaders() throws {
        for codec in Self.codecs {
            var header = WorkflowStateHeader(
                workflowName: "Versioned", workflowId: "wf", tags: ["a"], meta: [:], createdAt: instant)
            header.workflowTaskIndex = 3
            header.methods = [MethodSummary(methodId: "wf")]
            let legacy = try codec.decode(LegacyHeader.self, from: try codec.encode(header))
            let decoded = try codec.decode(WorkflowStateHeader.self, from: try codec.encode(legacy))
            #expect(decoded.workflowVersion == nil && decoded.workflowTaskIndex == 3 && decoded.methods.count == 1)
            header.workflowVersion = 2
            let bytes = try codec.encode(header)
            #expect(try codec.decode(WorkflowStateHeader.self, from: bytes).workflowVersion == 2)
            #expect(try codec.decode(LegacyHeader.self, from: bytes).workflowTaskIndex == 3)
        }
    }

    @Test func serviceTasksAndWorkflowTaskOutputs() throws {
        for codec in Self.codecs {
            let legacyTask = LegacyServiceTask(
                taskId: "task", serviceName: "S", methodName: "m", arguments: [], tags: [], meta: [:], retryIndex: 1,
                retrySequence: 0, lastFailure: nil)
            let task = try codec.decode(ServiceTask.self, from: try codec.encode(legacyTask))
            #expect(task.workflowVersion == nil && task.retryIndex == 1)
            var versioned = task
            versioned.workflowVersion = 1
            #expect(try codec.decode(LegacyServiceTask.self, from: try codec.encode(versioned)).taskId == "task")
            #expect(try codec.decode(ServiceTask.self, from: try codec.encode(versioned)).workflowVersion == 1)

            let legacyOutput = LegacyOutput(
                newCommands: [], passedSteps: [], properties: [:], outcome: .returned(CodecFixtures.payload("done")))
            let output = try codec.decode(WorkflowTaskOutput.self, from: try codec.encode(legacyOutput))
            #expect(output.workflowVersion == nil && output.outcome == .returned(CodecFixtures.payload("done")))
            var withVersion = output
            withVersion.workflowVersion = 5
            #expect(try codec.decode(WorkflowTaskOutput.self, from: try codec.encode(withVersion)).workflowVersion == 5)
            #expect(try codec.decode(LegacyOutput.self, from: try codec.encode(withVersion)).outcome == output.outcome)
        }
    }
}
