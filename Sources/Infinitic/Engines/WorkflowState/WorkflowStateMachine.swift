import Foundation

/// Applies messages to one existing workflow state, collecting the messages to send. Used by
/// `WorkflowStateEngine` for one input message at a time.
struct WorkflowStateMachine {
    private(set) var state: WorkflowState
    private var stamp: MessageStamp
    private var outputs: [Outbound] = []
    private var deleted = false

    init(state: WorkflowState, stamp: MessageStamp) {
        self.state = state
        self.stamp = stamp
    }

    func transition() -> WorkflowEngineTransition {
        WorkflowEngineTransition(state: deleted ? .deleted : .updated(state), outputs: outputs)
    }

    // MARK: entry points

    /// Creates the instance with its first method.
    mutating func create(_ envelope: WorkflowEngineEnvelope, _ dispatch: DispatchWorkflow) {
        state.lastMessageId = envelope.messageId
        for tag in dispatch.tags.sorted() {
            let change = WorkflowTagChange(workflowName: state.workflowName, tag: tag, workflowId: state.workflowId)
            outputs.append(.workflowTag(stamp.envelope(.addTag(change), requester: selfRequester(dispatch.methodId))))
        }
        addMethod(
            MethodHistory(methodId: dispatch.methodId, methodName: dispatch.methodName, arguments: dispatch.arguments),
            requester: envelope.requester, clientWaiting: dispatch.clientWaiting)
        advance(trigger: envelope.emittedAt)
    }

    /// Applies a message to the existing instance (idempotency checks already passed).
    mutating func receive(_ envelope: WorkflowEngineEnvelope) {
        state.lastMessageId = envelope.messageId
        switch envelope.message {
        case .workflowTaskCompleted(let completed):
            applyWorkflowTaskCompleted(completed)
        case .cancelWorkflow:
            cancel()
            return
        case .dispatchWorkflow, .dispatchMethod, .waitMethod, .commandResult:
            if state.runningWorkflowTask != nil {
                state.buffer.append(envelope)
            } else {
                apply(envelope)
            }
        }
        advance(trigger: envelope.emittedAt)
    }

    // MARK: applying events

    /// Applies an event while no workflow task runs.
    private mutating func apply(_ envelope: WorkflowEngineEnvelope) {
        switch envelope.message {
        case .dispatchWorkflow(let dispatch):
            attachClient(envelope.requester, waiting: dispatch.clientWaiting, to: dispatch.methodId)
        case .dispatchMethod(let dispatch):
            if state.method(dispatch.methodId) != nil {
                attachClient(envelope.requester, waiting: dispatch.clientWaiting, to: dispatch.methodId)
            } else {
                addMethod(
                    MethodHistory(
                        methodId: dispatch.methodId, methodName: dispatch.methodName, arguments: dispatch.arguments),
                    requester: envelope.requester, clientWaiting: dispatch.clientWaiting)
            }
        case .waitMethod(let wait):
            attachClient(envelope.requester, waiting: true, to: wait.methodId)
        case .commandResult(let result):
            applyResult(result, envelope: envelope)
        case .workflowTaskCompleted, .cancelWorkflow:
            break  // never buffered
        }
    }

    private mutating func addMethod(_ history: MethodHistory, requester: Requester?, clientWaiting: Bool) {
        var waitingClients: Set<String> = []
        if clientWaiting, case .client(let name) = requester { waitingClients.insert(name) }
        state.methods.append(MethodState(history: history, requester: requester, waitingClients: waitingClients))
    }

    /// A client wants the outcome of a method: answer now if it ended, later otherwise.
    private mutating func attachClient(_ requester: Requester?, waiting: Bool, to methodId: String) {
        guard waiting, case .client(let name) = requester else { return }
        guard let index = methodIndex(methodId) else {
            let unknown = WorkflowUnknownError(
                workflowName: state.workflowName, workflowId: state.workflowId, methodId: methodId)
            outputs += WorkflowStateEngine.unknown(unknown, to: requester, stamp: &stamp)
            return
        }
        if let outcome = state.methods[index].outcome {
            outputs.append(
                .client(name: name, stamp.envelope(clientMessage(outcome, methodIndex: index), requester: nil)))
        } else {
            state.methods[index].waitingClients.insert(name)
        }
    }

    /// Records a command's outcome, or keeps it until its command is recorded.
    private mutating func applyResult(_ result: CommandResult, envelope: WorkflowEngineEnvelope) {
        for methodIndex in state.methods.indices {
            guard
                let commandIndex = state.methods[methodIndex].history.commands.firstIndex(where: {
                    $0.id == result.commandId
                })
            else { continue }
            guard !state.methods[methodIndex].history.commands[commandIndex].status.isTerminated else { return }
            state.resolutionCount += 1
            state.methods[methodIndex].history.commands[commandIndex].status = result.outcome
            state.methods[methodIndex].history.commands[commandIndex].resolvedAtTaskIndex = state.workflowTaskIndex + 1
            state.methods[methodIndex].history.commands[commandIndex].resolutionSequence = state.resolutionCount
            return
        }
        if state.earlyResults[result.commandId] == nil {
            state.earlyResults[result.commandId] = envelope
        }
    }

    private mutating func applyWorkflowTaskCompleted(_ completed: WorkflowTaskCompleted) {
        state.runningWorkflowTask = nil
        guard let index = methodIndex(completed.methodId) else { return }
        let output = completed.output
        if case .workflowTaskFailed(let error) = output.outcome {
            fail(methodIndex: index, cause: .workflowTaskFailed(error))
            return
        }
        var history = state.methods[index].history
        let knownIds = Set(history.commands.map(\.id))
        history.commands += output.newCommands.filter { !knownIds.contains($0.id) }
        history.pastSteps += output.passedSteps
        state.methods[index].history = history
        state.properties = output.properties
        switch output.outcome {
        case .waiting(let step):
            state.methods[index].history.currentStep = step
        case .returned(let value):
            end(methodIndex: index, with: .completed(value))
        case .threw(let failure):
            fail(methodIndex: index, cause: failure)
        case .workflowTaskFailed:
            break
        }
        for command in output.newCommands {
            if let early = state.earlyResults.removeValue(forKey: command.id),
                case .commandResult(let result) = early.message
            {
                applyResult(result, envelope: early)
            }
        }
    }

    private mutating func fail(methodIndex index: Int, cause: DeferredFailure) {
        let history = state.methods[index].history
        let error = WorkflowFailedError(
            workflowName: state.workflowName, workflowId: state.workflowId, methodName: history.methodName,
            methodId: history.methodId, cause: cause)
        end(methodIndex: index, with: .failed(error))
    }

    /// Sets a method's outcome and tells whoever waits for it.
    private mutating func end(methodIndex index: Int, with outcome: MethodOutcome) {
        state.methods[index].outcome = outcome
        state.methods[index].history.currentStep = nil
        let method = state.methods[index]
        for client in method.waitingClients.sorted() {
            outputs.append(
                .client(name: client, stamp.envelope(clientMessage(outcome, methodIndex: index), requester: nil)))
        }
        state.methods[index].waitingClients = []
        if case .workflow(let name, let id, let parentMethodId) = method.requester {
            let status: CommandStatus
            switch outcome {
            case .completed(let value): status = .completed(value)
            case .failed(let error): status = .failed(.workflowFailed(error))
            case .canceled: status = .failed(.workflowCanceled(canceledError(methodId: method.history.methodId)))
            }
            let result = CommandResult(
                workflowName: name, workflowId: id, methodId: parentMethodId, commandId: method.history.methodId,
                outcome: status)
            outputs.append(
                .workflowEngine(
                    stamp.envelope(.commandResult(result), requester: selfRequester(method.history.methodId))))
        }
    }

    private mutating func cancel() {
        for index in state.methods.indices where state.methods[index].outcome == nil {
            end(methodIndex: index, with: .canceled)
        }
        delete()
    }

    // MARK: progress

    /// Dispatches the next workflow task if none runs and a method can progress; otherwise drains the buffer;
    /// finally deletes the state if everything ended.
    private mutating func advance(trigger: Date) {
        var trigger = trigger
        while state.runningWorkflowTask == nil {
            if let index = readyMethodIndex() {
                dispatchWorkflowTask(methodIndex: index, trigger: trigger)
                return
            }
            guard !state.buffer.isEmpty else { break }
            let next = state.buffer.removeFirst()
            apply(next)
            trigger = next.emittedAt
        }
        if state.runningWorkflowTask == nil, state.methods.allSatisfy(\.isDone) {
            delete()
        }
    }

    /// The first method that can progress: not started yet, or whose awaited step now has an outcome.
    private func readyMethodIndex() -> Int? {
        let nextIndex = state.workflowTaskIndex + 1
        return state.methods.firstIndex { method in
            guard method.outcome == nil else { return false }
            guard method.history.start != nil else { return true }
            guard let current = method.history.currentStep else { return false }
            return StepOutcome.evaluate(current.step, asOf: nextIndex) { method.history.command($0) }.isTerminated
        }
    }

    private mutating func dispatchWorkflowTask(methodIndex index: Int, trigger: Date) {
        state.workflowTaskIndex += 1
        let taskIndex = state.workflowTaskIndex
        let instant = max(state.lastInstant, trigger)
        state.lastInstant = instant
        let resumption = Resumption(taskIndex: taskIndex, instant: instant, properties: state.properties)
        var history = state.methods[index].history
        if history.start == nil {
            history.start = resumption
        } else if let current = history.currentStep {
            history.pastSteps.append(PastStep(position: current.position, step: current.step, resumption: resumption))
            history.currentStep = nil
        }
        state.methods[index].history = history
        let taskId = StableId.workflowTask(workflowId: state.workflowId, index: taskIndex)
        state.runningWorkflowTask = RunningWorkflowTask(id: taskId, methodId: history.methodId, index: taskIndex)
        let task = WorkflowTask(
            workflowTaskId: taskId, workflowName: state.workflowName, workflowId: state.workflowId, tags: state.tags,
            meta: state.meta, taskIndex: taskIndex, instant: instant, method: history)
        outputs.append(.workflowExecutor(stamp.envelope(task, requester: state.methods[index].requester)))
    }

    /// Removes the instance: its tags go, its state is deleted.
    private mutating func delete() {
        for tag in state.tags.sorted() {
            let change = WorkflowTagChange(workflowName: state.workflowName, tag: tag, workflowId: state.workflowId)
            outputs.append(.workflowTag(stamp.envelope(.removeTag(change), requester: nil)))
        }
        deleted = true
    }

    // MARK: helpers

    private func methodIndex(_ methodId: String) -> Int? {
        state.methods.firstIndex { $0.history.methodId == methodId }
    }

    private func selfRequester(_ methodId: String) -> Requester {
        .workflow(name: state.workflowName, id: state.workflowId, methodId: methodId)
    }

    private func canceledError(methodId: String) -> WorkflowCanceledError {
        WorkflowCanceledError(workflowName: state.workflowName, workflowId: state.workflowId, methodId: methodId)
    }

    private func clientMessage(_ outcome: MethodOutcome, methodIndex index: Int) -> ClientMessage {
        let methodId = state.methods[index].history.methodId
        switch outcome {
        case .completed(let value):
            return .methodCompleted(
                MethodCompleted(
                    workflowName: state.workflowName, workflowId: state.workflowId, methodId: methodId, value: value))
        case .failed(let error):
            return .methodFailed(error)
        case .canceled:
            return .methodCanceled(canceledError(methodId: methodId))
        }
    }
}
