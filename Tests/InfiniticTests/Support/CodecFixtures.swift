import Foundation
import Infinitic

/// Values for the codec tests: every kind of Codable construct, and the engine's real messages and states.
enum CodecFixtures {
    static let instant = Date(timeIntervalSince1970: 1_700_000_123.456)
    static let codec = BinaryPayloadCodec()

    static func payload<Value: Encodable>(_ value: Value) -> Payload {
        try! codec.payload(value)
    }

    static let failure = TaskFailure(
        workerName: "worker-1",
        error: ErrorDescription(
            typeName: "Tests.PaymentDeclined", message: "over limit",
            properties: payload(["reason": "over limit"]),
            cause: ErrorDescription(typeName: "Tests.Cause", message: "root")),
        retryIndex: 2, retrySequence: 0, secondsBeforeRetry: 1.5,
        previous: TaskFailure(
            workerName: "worker-0", error: ErrorDescription(typeName: "Tests.Glitch", message: "first"), retryIndex: 1,
            retrySequence: 0, secondsBeforeRetry: nil, previous: nil))

    static let taskFailed = TaskFailedError(
        serviceName: "PaymentService", methodName: "charge", taskId: "task-1", lastFailure: failure)

    static let workflowFailed = WorkflowFailedError(
        workflowName: "Trips", workflowId: "wf-1", methodName: "run", methodId: "wf-1",
        cause: .taskFailed(taskFailed))

    static let hotel = CommandDescriptor(
        kind: .task, targetName: "HotelBooking", methodName: "book", arguments: [payload("ada"), payload(3)],
        tags: ["vip", "hotel"], meta: ["origin": "web", "region": "eu"])

    static let history = MethodHistory(
        methodId: "wf-1", methodName: "sequential", arguments: [payload("ada")],
        start: Resumption(taskIndex: 1, instant: instant, properties: ["note": payload("start")]),
        pastSteps: [
            PastStep(
                position: 1, step: .command("cmd-1"),
                resumption: Resumption(taskIndex: 2, instant: instant.addingTimeInterval(1), properties: [:])),
            PastStep(position: 3, step: .all([.command("cmd-2"), .any([.command("cmd-3"), .command("cmd-4")])])),
        ],
        currentStep: WaitingStep(position: 5, step: .any([.command("cmd-5")])),
        commands: [
            CommandRecord(
                id: "cmd-1", position: 1, descriptor: hotel, status: .completed(payload(["H-ada-1"])),
                createdAtTaskIndex: 1, resolvedAtTaskIndex: 2, resolutionSequence: 1),
            CommandRecord(
                id: "cmd-2", position: 2, descriptor: .inline, status: .completed(payload(UUID().uuidString)),
                createdAtTaskIndex: 2, resolvedAtTaskIndex: 2, resolutionSequence: 2),
            CommandRecord(
                id: "cmd-3", position: 3,
                descriptor: CommandDescriptor(
                    kind: .workflowMethod, targetName: "Trips", methodName: "addNote", arguments: [payload("n")],
                    targetWorkflowId: "wf-2"),
                status: .failed(.taskFailed(taskFailed)), createdAtTaskIndex: 2, resolvedAtTaskIndex: 3,
                resolutionSequence: 3),
            CommandRecord(id: "cmd-5", position: 5, descriptor: hotel, createdAtTaskIndex: 3),
        ])

    static func envelope<Message>(_ message: Message, id: String = "msg-1") -> Envelope<Message> {
        Envelope(
            messageId: id, emitterName: "engine", emittedAt: instant,
            requester: .workflow(name: "Trips", id: "wf-0", methodId: "m-0"), message: message)
    }

    static let engineMessages: [WorkflowEngineMessage] = [
        .dispatchWorkflow(
            DispatchWorkflow(
                workflowName: "Trips", workflowId: "wf-1", methodName: "sequential", arguments: [payload("ada")],
                tags: ["a", "b", "c"], meta: ["k": "v"], clientWaiting: true)),
        .dispatchMethod(
            DispatchMethod(
                workflowName: "Trips", workflowId: "wf-1", methodName: "addNote", methodId: "m-2",
                arguments: [payload("note"), payload(2)])),
        .waitMethod(WaitMethod(workflowName: "Trips", workflowId: "wf-1", methodId: "wf-1")),
        .cancelWorkflow(CancelWorkflow(workflowName: "Trips", workflowId: "wf-1")),
        .commandResult(
            CommandResult(
                workflowName: "Trips", workflowId: "wf-1", methodId: "wf-1", commandId: "cmd-1",
                outcome: .completed(payload(BookingResult(provider: "hotel", reference: "H-1"))))),
        .commandResult(
            CommandResult(
                workflowName: "Trips", workflowId: "wf-1", methodId: "wf-1", commandId: "cmd-3",
                outcome: .failed(.workflowFailed(workflowFailed)))),
        .workflowTaskCompleted(
            WorkflowTaskCompleted(
                workflowName: "Trips", workflowId: "wf-1", workflowTaskId: "wt-3", methodId: "wf-1",
                output: WorkflowTaskOutput(
                    newCommands: history.commands, passedSteps: history.pastSteps,
                    properties: ["note": payload("start"), "count": payload(2)],
                    outcome: .waiting(WaitingStep(position: 5, step: .command("cmd-5")))))),
        .workflowTaskCompleted(
            WorkflowTaskCompleted(
                workflowName: "Trips", workflowId: "wf-1", workflowTaskId: "wt-4", methodId: "wf-1",
                output: WorkflowTaskOutput(
                    outcome: .workflowTaskFailed(
                        WorkflowTaskFailedError(
                            workflowName: "Trips", workflowId: "wf-1", workflowTaskId: "wt-4", methodName: "run",
                            error: ErrorDescription(typeName: "X", message: "changed")))))),
        .workflowTaskCompleted(
            WorkflowTaskCompleted(
                workflowName: "Trips", workflowId: "wf-1", workflowTaskId: "wt-5", methodId: "wf-1",
                output: WorkflowTaskOutput(outcome: .threw(.error(ErrorDescription(typeName: "E", message: "m")))))),
        .workflowTaskCompleted(
            WorkflowTaskCompleted(
                workflowName: "Trips", workflowId: "wf-1", workflowTaskId: "wt-6", methodId: "wf-1",
                output: WorkflowTaskOutput(outcome: .returned(payload(["done"]))))),
    ]

    static let workflowTask = WorkflowTask(
        workflowTaskId: "wt-3", workflowName: "Trips", workflowId: "wf-1", tags: ["x", "y"], meta: ["a": "b"],
        taskIndex: 3, instant: instant, method: history)

    static let serviceTask = ServiceTask(
        taskId: "task-1", serviceName: "HotelBooking", methodName: "book",
        arguments: [payload(BookingRequest(guest: "ada", nights: 2))], tags: ["t1", "t2"], meta: ["m": "1"],
        retryIndex: 1, retrySequence: 0, lastFailure: failure)

    static let workflowTagMessages: [WorkflowTagMessage] = [
        .addTag(WorkflowTagChange(workflowName: "Trips", tag: "vip", workflowId: "wf-1")),
        .removeTag(WorkflowTagChange(workflowName: "Trips", tag: "vip", workflowId: "wf-1")),
        .getIds(WorkflowTagQuery(workflowName: "Trips", tag: "vip")),
        .dispatchMethodByTag(
            DispatchMethodByTag(
                workflowName: "Trips", tag: "vip", methodName: "addNote", arguments: [payload("x")],
                clientWaiting: true)),
        .cancelByTag(WorkflowTagQuery(workflowName: "Trips", tag: "vip")),
    ]

    static let serviceTagMessages: [ServiceTagMessage] = [
        .addTag(TaskTagChange(serviceName: "HotelBooking", tag: "t", taskId: "task-1")),
        .removeTag(TaskTagChange(serviceName: "HotelBooking", tag: "t", taskId: "task-1")),
        .getIds(TaskTagQuery(serviceName: "HotelBooking", tag: "t")),
    ]

    static let clientMessages: [ClientMessage] = [
        .methodCompleted(
            MethodCompleted(workflowName: "Trips", workflowId: "wf-1", methodId: "wf-1", value: payload([1, 2, 3]))),
        .methodFailed(workflowFailed),
        .methodCanceled(WorkflowCanceledError(workflowName: "Trips", workflowId: "wf-1", methodId: "wf-1")),
        .methodUnknown(WorkflowUnknownError(workflowName: "Trips", workflowId: "wf-1")),
        .workflowIds(IdsByTag(name: "Trips", tag: "vip", ids: ["wf-1", "wf-2"])),
        .taskIds(IdsByTag(name: "HotelBooking", tag: "t", ids: [])),
    ]

    /// The parts of a state in the middle of things (as the state engine stores them): a running workflow
    /// task, methods (one failed), step counters, commands and an early result.
    static var state: StateSample {
        var header = WorkflowStateHeader(
            workflowName: "Trips", workflowId: "wf-1", tags: ["vip", "batch", "eu"],
            meta: ["origin": "web", "tenant": "acme"], createdAt: instant)
        header.lastMessageId = "msg-9"
        header.workflowTaskIndex = 3
        header.runningWorkflowTask = RunningWorkflowTask(id: "wt-3", methodId: "wf-1", index: 3)
        header.lastInstant = instant.addingTimeInterval(2)
        var first = MethodSummary(methodId: "wf-1")
        first.started = true
        first.ongoingCommands = 2
        first.step =
            StepTracker.make(.all([.command("cmd-1"), .any([.command("cmd-2"), .command("cmd-3")])]), generation: 2).0
        var failed = MethodSummary(methodId: "m-2")
        failed.ending = .failed
        header.methods = [first, failed]
        header.resolutionCount = 3
        var method = MethodRecord(
            history: history, requester: .client(name: "client-1"), waitingClients: ["client-1", "client-2"])
        method.commandIds = history.commands.map(\.id)
        var failedMethod = MethodRecord(
            history: MethodHistory(methodId: "m-2", methodName: "addNote", arguments: [payload("n")]),
            requester: .workflow(name: "Trips", id: "wf-0", methodId: "m-0"))
        failedMethod.outcome = .failed(workflowFailed)
        guard case .commandResult(let early) = engineMessages[4] else { fatalError("fixture: not a result") }
        header.earlyResultIds = [early.commandId]
        return StateSample(
            header: header,
            properties: ["note": payload("start"), "count": payload(2), "notes": payload(["a", "b"])],
            methods: [method, failedMethod],
            commands: history.commands.map {
                CommandEntry(methodId: "wf-1", record: $0, awaitedBy: AwaitMark(generation: 2, nodes: [0, 1]))
            },
            earlyResults: [EarlyResult(result: early, sequence: 3)], endedMethods: ["m-0", "m-1"])
    }
}

/// The parts of a workflow state, together, for codec tests.
struct StateSample: Codable, Equatable {
    var header: WorkflowStateHeader
    var properties: [String: Payload]
    var methods: [MethodRecord]
    var commands: [CommandEntry]
    var earlyResults: [EarlyResult]
    var endedMethods: [String]

    static func == (a: StateSample, b: StateSample) -> Bool {
        let codec = BinaryPayloadCodec()
        return (try? codec.encode(a)) == (try? codec.encode(b))
    }
}
