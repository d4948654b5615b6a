import Foundation

/// Runs workflow tasks: replays the method against its history, then emits the result to the state engine
/// and dispatches the new commands (service tasks, methods of workflow instances) in the same commit.
public struct WorkflowExecutor: Sendable {
    public let emitterName: String
    public let checkMode: CheckMode
    public let codec: any PayloadCodec
    /// The registered definitions, by workflow name then version.
    private let definitions: [String: [Int: WorkflowDefinition]]

    /// An executor of `definitions`: several versions of one workflow name may be registered (a version
    /// registered twice keeps the last).
    public init(
        definitions: [WorkflowDefinition], emitterName: String, checkMode: CheckMode = .simple,
        codec: any PayloadCodec = JSONPayloadCodec()
    ) {
        var byName: [String: [Int: WorkflowDefinition]] = [:]
        for definition in definitions { byName[definition.name, default: [:]][definition.version] = definition }
        self.definitions = byName
        self.emitterName = emitterName
        self.checkMode = checkMode
        self.codec = codec
    }

    /// Replays the workflow task (its commands through `interceptors`) and returns what to send.
    public func execute(
        _ envelope: WorkflowExecutorEnvelope, now: Date, interceptors: Interceptors = []
    ) async -> [Outbound] {
        outputs(of: await replay(envelope, interceptors: interceptors), for: envelope, now: now)
    }

    /// The version a workflow task runs: the one its instance recorded; for the instance's first workflow task
    /// (none recorded yet), the highest registered here; for a later one without a version (written before
    /// versions), 0.
    func version(for task: WorkflowTask) -> Int? {
        if let version = task.workflowVersion { return version }
        guard task.taskIndex <= 1 else { return 0 }
        return definitions[task.workflowName]?.keys.max()
    }

    /// Replays the workflow task with the definition of its version: the workflow code sees the envelope's
    /// headers, and its commands pass `interceptors`. Without that version here, the workflow task fails with a
    /// `WorkflowVersionUnavailableError`.
    func replay(
        _ envelope: WorkflowExecutorEnvelope, interceptors: Interceptors, sticky: Sticky? = nil
    ) async -> WorkflowTaskOutput {
        var task = envelope.message
        let definition: WorkflowDefinition
        let version: Int
        switch self.definition(for: task) {
        case .found(let found, let foundVersion): (definition, version) = (found, foundVersion)
        case .failed(let output): return output
        }
        task.workflowVersion = version
        let replayed: (output: WorkflowTaskOutput, parked: ParkedReplay?)
        if let parked = sticky?.resuming {
            guard let resumed = await parked.resume(with: task, headers: envelope.headers) else {
                parked.abandon()
                return failedOutput(for: task, usage: .notContinued)
            }
            replayed = resumed
        } else if task.historyFrom != nil {
            return failedOutput(for: task, usage: .noParkedReplay)
        } else {
            replayed = await replay(
                task, definition: definition, headers: envelope.headers, interceptors: interceptors,
                parking: sticky?.keepingIn != nil)
        }
        return Self.output(of: replayed, version: version, sticky: sticky)
    }

    /// Replays the task from the start of its method's history (kept out of `replay`'s async frame, as is the rest
    /// of its work: that frame is allocated at every task).
    @inline(never)
    private func replay(
        _ task: WorkflowTask, definition: WorkflowDefinition, headers: [String: String], interceptors: Interceptors,
        parking: Bool
    ) async -> (output: WorkflowTaskOutput, parked: ParkedReplay?) {
        await Replayer(definition: definition, checkMode: checkMode, codec: codec)
            .replay(task, headers: headers, interceptors: interceptors, parking: parking)
    }

    /// The output of a replay of version `version`: its parked replay, if any, kept in the sticky cache (and where
    /// it parks said, if asked) or abandoned.
    @inline(never)
    private static func output(
        of replayed: (output: WorkflowTaskOutput, parked: ParkedReplay?), version: Int, sticky: Sticky?
    ) -> WorkflowTaskOutput {
        var output = replayed.output
        if let parked = replayed.parked {
            // Where it parks, read before the cache may drop it again.
            let point = sticky?.reportsPoint == true ? parked.point : nil
            if let cache = sticky?.keepingIn, cache.keep(parked) { output.parked = point } else { parked.abandon() }
        }
        output.workflowVersion = version
        return output
    }

    /// The definition and version that run `task`, or the output of its failure when none is registered here.
    /// (The synchronous parts of `replay` are kept out of its async frame, which is allocated at every task.)
    @inline(never)
    private func definition(for task: WorkflowTask) -> DefinitionLookup {
        guard let versions = definitions[task.workflowName], let version = version(for: task) else {
            let error = InvocationError(.unknownWorkflow, "no workflow \(task.workflowName) is registered here")
            return .failed(failedOutput(for: task, error: error))
        }
        guard let definition = versions[version] else {
            let error = WorkflowVersionUnavailableError(
                workflowName: task.workflowName, workflowId: task.workflowId, version: version,
                availableVersions: versions.keys.sorted())
            return .failed(failedOutput(for: task, error: error))
        }
        return .found(definition, version: version)
    }

    private enum DefinitionLookup {
        case found(WorkflowDefinition, version: Int)
        /// The output of the task's failure: no such workflow or version here.
        case failed(WorkflowTaskOutput)
    }

    /// The output of a workflow task that cannot use sticky replay as it asks.
    @inline(never)
    private func failedOutput(for task: WorkflowTask, usage: StickyUsage) -> WorkflowTaskOutput {
        let error =
            switch usage {
            case .notContinued:
                WorkflowUsageError("the parked replay of the method does not continue with this task")
            case .noParkedReplay:
                WorkflowUsageError(
                    "workflow task \(task.workflowTaskId) carries only what changed since task "
                        + "\(task.historyFrom ?? 0), and no parked replay of its method is here: retry the workflow task"
                )
            }
        return failedOutput(for: task, error: error)
    }

    private enum StickyUsage {
        /// The parked replay does not continue with the task.
        case notContinued
        /// The task carries only what changed, and no parked replay is here.
        case noParkedReplay
    }

    /// What the executor `executor` sends when it gets a workflow task with only what changed (sticky routing) and
    /// has no parked replay that the task continues: the state engine sends it again with the whole history.
    func missed(_ envelope: WorkflowExecutorEnvelope, executor: String, now: Date) -> [Outbound] {
        let task = envelope.message
        var stamp = MessageStamp(
            inputMessageId: envelope.messageId, emitterName: emitterName, now: now, headers: envelope.headers)
        let redispatch = RedispatchWorkflowTask(
            workflowName: task.workflowName, workflowId: task.workflowId, methodId: task.method.methodId,
            executor: executor, workflowTaskId: task.workflowTaskId)
        let requester = Requester.workflow(name: task.workflowName, id: task.workflowId, methodId: task.method.methodId)
        return [.workflowEngine(stamp.envelope(.redispatchWorkflowTask(redispatch), requester: requester))]
    }

    /// What the executor `executor` sends when it stops with the parked replays of `methods` (workflow id, method
    /// id) of workflow `workflowName`: their state engines send their next tasks to the other executors, at once.
    func handOver(
        _ methods: [(workflowId: String, methodId: String)], of workflowName: String, executor: String, now: Date
    ) -> [Outbound] {
        var stamp = MessageStamp(inputMessageId: "hand-over:\(executor)", emitterName: emitterName, now: now)
        return methods.map { method in
            let redispatch = RedispatchWorkflowTask(
                workflowName: workflowName, workflowId: method.workflowId, methodId: method.methodId,
                executor: executor, workflowTaskId: nil)
            return .workflowEngine(stamp.envelope(.redispatchWorkflowTask(redispatch), requester: nil))
        }
    }

    /// How a replay uses sticky replay: the parked replay it resumes, and where it parks.
    struct Sticky: Sendable {
        /// The parked replay of the method that the workflow task continues (nil: replay from the start).
        var resuming: ParkedReplay?
        /// Where the replay parks if the method waits (nil: it does not park).
        var keepingIn: StickyReplays?
        /// Whether the output says where it parked (`WorkflowTaskOutput.parked`): an executor routing its tasks to
        /// itself reports it, a state engine replaying inline does not need it.
        var reportsPoint = false
    }

    /// The output of a workflow task that failed with `error` before its replay could say anything (or whose
    /// replay timed out): its version is the one that ran, if registered here.
    func failedOutput(for task: WorkflowTask, error: any Error) -> WorkflowTaskOutput {
        let version = version(for: task).flatMap { definitions[task.workflowName]?[$0] == nil ? nil : $0 }
        return WorkflowTaskOutput(
            outcome: .workflowTaskFailed(
                WorkflowTaskFailedError(
                    workflowName: task.workflowName, workflowId: task.workflowId, workflowTaskId: task.workflowTaskId,
                    methodName: task.method.methodName, error: ErrorDescription(error, codec: codec))),
            workflowVersion: version)
    }

    /// The result for the engine first, then the dispatch of each new command. With `stickyExecutor` (the id of
    /// this executor's own topic), the result says where the replay is kept parked, if it is.
    func outputs(
        of output: WorkflowTaskOutput, for envelope: WorkflowExecutorEnvelope, now: Date,
        stickyExecutor: String? = nil
    ) -> [Outbound] {
        let task = envelope.message
        var stamp = MessageStamp(
            inputMessageId: envelope.messageId, emitterName: emitterName, now: now, headers: envelope.headers)
        let requester = Requester.workflow(name: task.workflowName, id: task.workflowId, methodId: task.method.methodId)
        var completed = WorkflowTaskCompleted(
            workflowName: task.workflowName, workflowId: task.workflowId, workflowTaskId: task.workflowTaskId,
            methodId: task.method.methodId, output: output)
        if let stickyExecutor, let point = output.parked {
            completed.parkedAt = ParkedAt(executor: stickyExecutor, point: point)
        }
        var outputs: [Outbound] = [
            .workflowEngine(stamp.envelope(.workflowTaskCompleted(completed), requester: requester))
        ]
        for command in output.newCommands {
            let descriptor = command.descriptor
            // What the interceptors set for this command (nothing without interceptors).
            let intercepted = output.dispatches.isEmpty ? nil : output.dispatches[command.id]
            let headers = intercepted?.headers
            switch descriptor.kind {
            case .task:
                let serviceTask = ServiceTask(
                    taskId: command.id, serviceName: descriptor.targetName, methodName: descriptor.methodName,
                    arguments: descriptor.arguments, tags: descriptor.tags, meta: intercepted?.meta ?? descriptor.meta,
                    workflowVersion: output.workflowVersion)
                for tag in descriptor.tags.sorted() {
                    let change = TaskTagChange(serviceName: descriptor.targetName, tag: tag, taskId: command.id)
                    outputs.append(.serviceTag(stamp.envelope(.addTag(change), requester: requester, headers: headers)))
                }
                outputs.append(
                    .serviceExecutor(
                        stamp.envelope(serviceTask, requester: requester, headers: headers), delivery: .now))
            case .workflowMethod:
                let dispatch = DispatchMethod(
                    workflowName: descriptor.targetName, workflowId: descriptor.targetWorkflowId ?? task.workflowId,
                    methodName: descriptor.methodName, methodId: command.id, arguments: descriptor.arguments)
                outputs.append(
                    .workflowEngine(stamp.envelope(.dispatchMethod(dispatch), requester: requester, headers: headers)))
            case .childWorkflow:
                let dispatch = DispatchWorkflow(
                    workflowName: descriptor.targetName, workflowId: command.id, methodName: descriptor.methodName,
                    arguments: descriptor.arguments, tags: descriptor.tags, meta: intercepted?.meta ?? descriptor.meta)
                outputs.append(
                    .workflowEngine(stamp.envelope(.dispatchWorkflow(dispatch), requester: requester, headers: headers))
                )
            case .timer:
                let due = descriptor.dueAt ?? task.instant
                let fired = CommandResult(
                    workflowName: task.workflowName, workflowId: task.workflowId, methodId: task.method.methodId,
                    commandId: command.id, outcome: .completed(descriptor.arguments.first ?? .void))
                outputs.append(
                    .delayedWorkflowEngine(
                        stamp.envelope(.commandResult(fired), requester: requester, headers: headers), at: due))
            case .signal:
                guard let value = descriptor.arguments.first else { break }
                let message: Outbound
                if let tag = descriptor.targetTag {
                    let byTag = SendSignalByTag(
                        workflowName: descriptor.methodName, tag: tag, channel: descriptor.targetName,
                        signalId: command.id, value: value)
                    message = .workflowTag(
                        stamp.envelope(.sendSignalByTag(byTag), requester: requester, headers: headers))
                } else {
                    let signal = SendSignal(
                        workflowName: descriptor.methodName, workflowId: descriptor.targetWorkflowId ?? task.workflowId,
                        channel: descriptor.targetName, signalId: command.id, value: value)
                    message = .workflowEngine(
                        stamp.envelope(.sendSignal(signal), requester: requester, headers: headers))
                }
                outputs.append(message)
            case .inline, .receive:
                break
            }
            if let timeout = descriptor.timeout {
                outputs.append(timedOut(command, after: timeout, task: task, requester: requester, stamp: &stamp))
            }
        }
        return outputs
    }

    /// The failure a command gets when its caller-side timeout elapses first.
    static func timeoutFailure(of command: CommandRecord, after timeout: Duration) -> DeferredFailure {
        let descriptor = command.descriptor
        if descriptor.kind == .task {
            return .taskTimedOut(
                TaskTimedOutError(
                    serviceName: descriptor.targetName, methodName: descriptor.methodName, taskId: command.id,
                    timeoutSeconds: timeout.inSeconds))
        }
        let workflowId = descriptor.kind == .childWorkflow ? command.id : descriptor.targetWorkflowId ?? ""
        return .workflowTimedOut(
            WorkflowTimedOutError(
                workflowName: descriptor.targetName, workflowId: workflowId, methodName: descriptor.methodName,
                methodId: command.id, timeoutSeconds: timeout.inSeconds))
    }

    /// The caller-side timeout of `command`: its failure, delivered to the state engine when the timeout passes
    /// (ignored if the command ended first, as a late result is after it).
    private func timedOut(
        _ command: CommandRecord, after timeout: Duration, task: WorkflowTask, requester: Requester,
        stamp: inout MessageStamp
    ) -> Outbound {
        let failure = Self.timeoutFailure(of: command, after: timeout)
        let result = CommandResult(
            workflowName: task.workflowName, workflowId: task.workflowId, methodId: task.method.methodId,
            commandId: command.id, outcome: .failed(failure))
        return .delayedWorkflowEngine(
            stamp.envelope(.commandResult(result), requester: requester),
            at: task.instant.addingTimeInterval(timeout.inSeconds))
    }
}
