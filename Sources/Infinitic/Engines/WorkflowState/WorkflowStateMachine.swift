import Foundation

/// Applies messages to one existing workflow state, collecting the messages to send. Used by
/// `WorkflowStateEngine` for the messages of one batch, in order; `advance` then dispatches the next workflow
/// task. Every method throws `StatePartsNeeded` when it needs a part of the state that was not read: nothing
/// of the step is kept then, the caller reads the parts and runs the batch again.
struct WorkflowStateMachine {
    private(set) var state: WorkflowState
    private var stamp: MessageStamp
    private(set) var outputs: [Outbound] = []
    /// Every method and everything it started ended, or the instance was canceled, and no outcome is retained:
    /// delete the state.
    private(set) var deleted = false
    /// How long the outcome of a method that leaves the state stays retrievable (0: not at all).
    private let retention: TimeInterval
    /// Where a parked replay of a method stands (see `WorkflowStateEngine.handle(_:state:now:sticky:)`).
    private let sticky: (@Sendable (_ methodId: String) -> StickyPoint?)?
    /// With sticky routing, how long an executor has to complete a workflow task sent to its own topic before it
    /// goes whole to the shared one (nil: no sticky routing; see `WorkflowStateEngine.stickyTaskTimeout`).
    private let stickyTimeout: TimeInterval?

    init(
        state: WorkflowState, stamp: MessageStamp, retention: TimeInterval = 0,
        sticky: (@Sendable (_ methodId: String) -> StickyPoint?)? = nil, stickyTimeout: TimeInterval? = nil
    ) {
        self.state = state
        self.stamp = stamp
        self.retention = retention
        self.sticky = sticky
        self.stickyTimeout = stickyTimeout
    }

    /// Stamps what follows with the stamp of the next message of the batch.
    mutating func restamp(_ stamp: MessageStamp) {
        self.stamp = stamp
    }

    private var header: WorkflowStateHeader {
        get { state.header }
        set { state.header = newValue }
        _modify { yield &state.header }
    }

    // MARK: entry points

    /// Creates the instance with its first method.
    mutating func create(_ envelope: WorkflowEngineEnvelope, _ dispatch: DispatchWorkflow) {
        header.lastMessageId = envelope.messageId
        for tag in dispatch.tags.sorted() {
            let change = WorkflowTagChange(workflowName: header.workflowName, tag: tag, workflowId: header.workflowId)
            outputs.append(.workflowTag(stamp.envelope(.addTag(change), requester: selfRequester(dispatch.methodId))))
        }
        addMethod(
            MethodHistory(methodId: dispatch.methodId, methodName: dispatch.methodName, arguments: dispatch.arguments),
            requester: envelope.requester, clientWaiting: dispatch.clientWaiting, headers: envelope.headers)
    }

    /// The idempotency rules: messages that change nothing.
    mutating func isIgnored(_ envelope: WorkflowEngineEnvelope) throws -> Bool {
        if envelope.messageId == header.lastMessageId { return true }
        if header.isClosed {
            // An ended instance only answers for its retained outcomes, and forgets them.
            switch envelope.message {
            case .waitMethod, .dispatchMethod, .dispatchWorkflow, .expireOutcomes: return false
            default: return true
            }
        }
        switch envelope.message {
        case .workflowTaskCompleted(let completed):
            guard let running = header.runningWorkflowTask else { return true }
            return running.id != completed.workflowTaskId || running.methodId != completed.methodId
        case .commandResult(let result):
            // A result for a method that left the state (or never was) has nothing to resume.
            guard header.methodIndex(result.methodId) != nil else { return true }
            if let entry = try state.command(result.commandId) { return entry.record.status.isTerminated }
            return header.earlyResultIds.contains(result.commandId)
        case .dispatchWorkflow(let dispatch):
            return !Self.attachesClient(envelope, dispatch.clientWaiting)
        case .dispatchMethod(let dispatch):
            return header.methodIndex(dispatch.methodId) != nil
                && !Self.attachesClient(envelope, dispatch.clientWaiting)
        case .waitMethod, .cancelWorkflow, .sendSignal, .completeTimers, .retryWorkflowTask, .retryTasks,
            .expireOutcomes, .redispatchWorkflowTask, .watchStickyTask:
            return false
        }
    }

    private static func attachesClient(_ envelope: WorkflowEngineEnvelope, _ clientWaiting: Bool) -> Bool {
        guard clientWaiting, case .client = envelope.requester else { return false }
        return true
    }

    /// Applies a message to the existing instance (idempotency checks already passed), then lets ended
    /// methods leave.
    mutating func receive(_ envelope: WorkflowEngineEnvelope) throws {
        header.lastMessageId = envelope.messageId
        if header.isClosed {
            try receiveWhenClosed(envelope)
            return
        }
        switch envelope.message {
        case .workflowTaskCompleted(let completed):
            try applyWorkflowTaskCompleted(completed)
        case .cancelWorkflow:
            try cancel()
            return
        case .dispatchWorkflow(let dispatch):
            try attachClient(envelope.requester, waiting: dispatch.clientWaiting, to: dispatch.methodId)
        case .dispatchMethod(let dispatch):
            let known =
                try header.methodIndex(dispatch.methodId) != nil
                || state.endedMethods().contains(dispatch.methodId)
            if known {
                try attachClient(envelope.requester, waiting: dispatch.clientWaiting, to: dispatch.methodId)
            } else {
                addMethod(
                    MethodHistory(
                        methodId: dispatch.methodId, methodName: dispatch.methodName, arguments: dispatch.arguments),
                    requester: envelope.requester, clientWaiting: dispatch.clientWaiting, headers: envelope.headers)
            }
        case .waitMethod(let wait):
            try attachClient(envelope.requester, waiting: true, to: wait.methodId)
        case .commandResult(let result):
            try applyResult(result, sequence: nil)
        case .sendSignal(let signal):
            try applySignal(signal)
        case .completeTimers(let complete):
            try completeTimers(of: complete.methodId)
        case .retryWorkflowTask:
            try retryWorkflowTask()
        case .retryTasks(let retry):
            try retryTasks(retry.selection)
        case .expireOutcomes(let expire):
            expireOutcomes(expire)
        case .redispatchWorkflowTask(let message):
            try redispatch(message)
        case .watchStickyTask(let watch):
            try checkStickyTask(watch)
        }
        try tidy()
    }

    /// Whether `envelope` starts a new instance in place of this ended one: a `DispatchWorkflow` whose method
    /// is not among the retained outcomes (a retained one is a duplicate: it is answered instead).
    mutating func isReplaced(by envelope: WorkflowEngineEnvelope) throws -> Bool {
        guard header.isClosed, envelope.messageId != header.lastMessageId,
            case .dispatchWorkflow(let dispatch) = envelope.message
        else { return false }
        return try state.retainedOutcome(dispatch.methodId) == nil
    }

    /// A message for an ended instance that keeps retained outcomes: a client asking for one gets it; a method
    /// that is not retained is unknown; the end of the last retention deletes the state.
    private mutating func receiveWhenClosed(_ envelope: WorkflowEngineEnvelope) throws {
        switch envelope.message {
        case .waitMethod(let wait):
            try attachClient(envelope.requester, waiting: true, to: wait.methodId)
        case .dispatchWorkflow(let dispatch):
            // Retained (see `isReplaced(by:)`): a duplicate of the dispatch of the ended instance.
            try attachClient(envelope.requester, waiting: dispatch.clientWaiting, to: dispatch.methodId)
        case .dispatchMethod(let dispatch):
            if try state.retainedOutcome(dispatch.methodId) != nil {
                try attachClient(envelope.requester, waiting: dispatch.clientWaiting, to: dispatch.methodId)
            } else {
                let unknown = WorkflowUnknownError(
                    workflowName: header.workflowName, workflowId: header.workflowId, methodId: dispatch.methodId)
                outputs += WorkflowStateEngine.unknown(unknown, to: envelope.requester, stamp: &stamp)
            }
        case .expireOutcomes(let expire):
            expireOutcomes(expire)
            if header.retainedUntil == nil { deleted = true }
        default:
            break
        }
    }

    /// Forgets the outcomes whose retention is over; the last retention ends with the latest of them.
    private mutating func expireOutcomes(_ expire: ExpireOutcomes) {
        let last = header.retainedUntil.map { expire.expiresAt >= $0 } ?? true
        state.forgetRetained(expire.methodIds, lastRetention: last)
    }

    // MARK: applying events

    private mutating func addMethod(
        _ history: MethodHistory, requester: Requester?, clientWaiting: Bool, headers: [String: String]
    ) {
        var waitingClients: Set<String> = []
        if clientWaiting, case .client(let name) = requester { waitingClients.insert(name) }
        header.methods.append(MethodSummary(methodId: history.methodId))
        state.setMethodRecord(
            MethodRecord(history: history, requester: requester, waitingClients: waitingClients, headers: headers))
    }

    /// A client wants the outcome of a method: answer now if it ended, later otherwise.
    private mutating func attachClient(_ requester: Requester?, waiting: Bool, to methodId: String) throws {
        guard waiting, case .client(let name) = requester else { return }
        guard var record = try state.methodRecord(methodId) else {
            if let retained = try state.retainedOutcome(methodId) {
                outputs.append(
                    .client(
                        name: name, stamp.envelope(clientMessage(retained.outcome, methodId: methodId), requester: nil))
                )
                return
            }
            let unknown = WorkflowUnknownError(
                workflowName: header.workflowName, workflowId: header.workflowId, methodId: methodId)
            outputs += WorkflowStateEngine.unknown(unknown, to: requester, stamp: &stamp)
            return
        }
        if let outcome = record.outcome {
            outputs.append(
                .client(name: name, stamp.envelope(clientMessage(outcome, methodId: methodId), requester: nil)))
        } else {
            record.waitingClients.insert(name)
            state.setMethodRecord(record)
        }
    }

    /// Records a command's outcome (updating its method's step), or keeps it until its command is recorded.
    /// `sequence` is its place in the arrival order when it arrived earlier.
    private mutating func applyResult(_ result: CommandResult, sequence: Int?) throws {
        guard var entry = try state.command(result.commandId) else {
            if !header.earlyResultIds.contains(result.commandId) {
                state.setEarlyResult(EarlyResult(result: result, sequence: nextSequence()))
            }
            return
        }
        guard !entry.record.status.isTerminated else { return }
        entry.record.status = result.outcome
        entry.record.resolvedAtTaskIndex = header.workflowTaskIndex + 1
        entry.record.resolutionSequence = sequence ?? nextSequence()
        let mark = entry.awaitedBy
        entry.awaitedBy = nil
        state.setCommand(entry)
        guard let index = header.methodIndex(entry.methodId) else { return }
        if entry.record.descriptor.kind.holdsMethod { header.methods[index].ongoingCommands -= 1 }
        if let mark, var step = header.methods[index].step, step.generation == mark.generation {
            let completed = if case .completed = result.outcome { true } else { false }
            for node in mark.nodes { step.settle(node: node, completed: completed) }
            header.methods[index].step = step
        }
    }

    private mutating func nextSequence() -> Int {
        header.resolutionCount += 1
        return header.resolutionCount
    }

    private mutating func applyWorkflowTaskCompleted(_ completed: WorkflowTaskCompleted) throws {
        let generation = header.runningWorkflowTask?.index ?? header.workflowTaskIndex
        header.runningWorkflowTask = nil
        let methodId = completed.methodId
        guard let index = header.methodIndex(methodId), var record = try state.methodRecord(methodId) else { return }
        let output = completed.output
        // The instance keeps the version its first workflow task ran.
        if header.workflowVersion == nil { header.workflowVersion = output.workflowVersion }
        if case .workflowTaskFailed(let error) = output.outcome {
            try fail(methodId, cause: .workflowTaskFailed(error))
            return
        }
        // A command the record already holds is not recorded again (its latest ids: new commands come last).
        let known = Set(record.commandIds)
        var added: [String] = []
        var opened: [OpenReceive] = []
        for command in output.newCommands where !known.contains(command.id) {
            record.commandIds.append(command.id)
            state.setCommand(CommandEntry(methodId: methodId, record: command))
            let descriptor = command.descriptor
            if !command.status.isTerminated && descriptor.kind.holdsMethod {
                header.methods[index].ongoingCommands += 1
            }
            switch descriptor.kind {
            case .timer:
                record.timerIds = (record.timerIds ?? []) + [command.id]
            case .childWorkflow:
                let child = ChildWorkflow(workflowName: descriptor.targetName, workflowId: command.id)
                record.children = (record.children ?? []) + [child]
            case .receive:
                if let limit = descriptor.limit {
                    opened.append(
                        OpenReceive(
                            methodId: methodId, commandId: command.id, channel: descriptor.targetName,
                            filter: descriptor.filter, limit: limit))
                }
            case .task, .workflowMethod, .inline, .signal:
                break
            }
            added.append(command.id)
        }
        try pruneEndedTimers(of: &record)
        if !opened.isEmpty {
            var receives = try state.receives()
            receives.open += opened
            state.setReceives(receives)
        }
        record.history.pastSteps += output.passedSteps
        if case .waiting(let step) = output.outcome { record.history.currentStep = step }
        // The executor keeps the replay parked where the method now waits: its next workflow task may go there.
        record.parkedAt = nil
        if stickyTimeout != nil, let parked = completed.parkedAt, parked.point.taskIndex == generation,
            case .waiting(let step) = output.outcome, step.position == parked.point.position
        {
            record.parkedAt = parked
        }
        state.setMethodRecord(record)
        state.setProperties(output.properties)
        for commandId in added where header.earlyResultIds.contains(commandId) {
            guard let early = try state.earlyResult(commandId) else { continue }
            state.removeEarlyResult(commandId)
            try applyResult(early.result, sequence: early.sequence)
        }
        switch output.outcome {
        case .waiting(let step):
            try setStep(step.step, methodIndex: index, generation: generation)
        case .returned(let value):
            try end(methodId, with: .completed(value))
        case .threw(let failure):
            try fail(methodId, cause: failure)
        case .workflowTaskFailed:
            break
        }
    }

    /// How many timer ids a method record lists before those of ended timers go (`pruneEndedTimers`).
    static let timerIdsKept = 32

    /// Drops the ids of ended timers from a record listing more than `timerIdsKept`: only running timers are
    /// completed by `completeTimers`, and a method that waits on a timer in a loop would otherwise rewrite every id
    /// it ever had at each step.
    private mutating func pruneEndedTimers(of record: inout MethodRecord) throws {
        guard let timerIds = record.timerIds, timerIds.count > Self.timerIdsKept else { return }
        let entries = try state.commands(timerIds)
        record.timerIds = zip(timerIds, entries).compactMap { id, entry in
            entry.map { $0.record.status.isTerminated } == false ? id : nil
        }
    }

    /// Sets the step a method waits on: its tracker, counting the commands already ended, and a mark on each
    /// command still running.
    private mutating func setStep(_ step: StepSpec, methodIndex index: Int, generation: Int) throws {
        var (tracker, leaves) = StepTracker.make(step, generation: generation)
        var nodes: [String: [Int]] = [:]
        var ids: [String] = []
        for (commandId, node) in leaves {
            if nodes[commandId] == nil { ids.append(commandId) }
            nodes[commandId, default: []].append(node)
        }
        let entries = try state.commands(ids)
        for (commandId, entry) in zip(ids, entries) {
            // A command the history does not know never ends (as `StepOutcome.evaluate` finds it).
            guard var entry else { continue }
            let leafNodes = nodes[commandId] ?? []
            switch entry.record.status {
            case .ongoing:
                entry.awaitedBy = AwaitMark(generation: generation, nodes: leafNodes)
                state.setCommand(entry)
            case .completed:
                for node in leafNodes { tracker.settle(node: node, completed: true) }
            case .failed:
                for node in leafNodes { tracker.settle(node: node, completed: false) }
            }
        }
        header.methods[index].step = tracker
    }

    private mutating func fail(_ methodId: String, cause: DeferredFailure) throws {
        guard let record = try state.methodRecord(methodId) else { return }
        let error = WorkflowFailedError(
            workflowName: header.workflowName, workflowId: header.workflowId, methodName: record.history.methodName,
            methodId: methodId, cause: cause)
        try end(methodId, with: .failed(error))
    }

    /// Sets a method's outcome and tells whoever waits for it.
    private mutating func end(_ methodId: String, with outcome: MethodOutcome) throws {
        guard let index = header.methodIndex(methodId), var record = try state.methodRecord(methodId) else { return }
        record.outcome = outcome
        record.history.currentStep = nil
        header.methods[index].step = nil
        switch outcome {
        case .completed: header.methods[index].ending = .completed
        case .failed: header.methods[index].ending = .failed
        case .canceled: header.methods[index].ending = .canceled
        }
        for client in record.waitingClients.sorted() {
            outputs.append(
                .client(
                    name: client,
                    stamp.envelope(
                        clientMessage(outcome, methodId: methodId), requester: nil, headers: record.headers ?? [:])))
        }
        record.waitingClients = []
        if case .workflow(let name, let id, let parentMethodId) = record.requester {
            let status: CommandStatus
            switch outcome {
            case .completed(let value): status = .completed(value)
            case .failed(let error): status = .failed(.workflowFailed(error))
            case .canceled: status = .failed(.workflowCanceled(canceledError(methodId: methodId)))
            }
            let result = CommandResult(
                workflowName: name, workflowId: id, methodId: parentMethodId, commandId: methodId, outcome: status)
            outputs.append(
                .workflowEngine(
                    stamp.envelope(
                        .commandResult(result), requester: selfRequester(methodId), headers: record.headers ?? [:])))
        }
        state.setMethodRecord(record)
    }

    /// Ends the running methods as canceled, cancels the children of every method still in the state (those
    /// that ended already ignore it) and deletes the state.
    private mutating func cancel() throws {
        let records = try state.methodRecords(header.methods.map(\.methodId))
        for methodId in header.methods.filter({ $0.ending == nil }).map(\.methodId) {
            try end(methodId, with: .canceled)
        }
        for record in records {
            for child in record.children ?? [] {
                let cancel = CancelWorkflow(workflowName: child.workflowName, workflowId: child.workflowId)
                outputs.append(
                    .workflowEngine(
                        stamp.envelope(.cancelWorkflow(cancel), requester: selfRequester(record.history.methodId))))
            }
        }
        guard retention > 0 || header.retainedUntil != nil else {
            delete()
            return
        }
        // Every method leaves with its outcome (canceled, or how it ended before).
        try leave(try state.methodRecords(header.methods.map(\.methodId)), closing: true)
        close()
    }

    // MARK: signals and timers

    /// Gives a signal to the oldest open receive of its channel that accepts it (still running methods only),
    /// or discards it. A signal id applied lately is ignored.
    private mutating func applySignal(_ signal: SendSignal) throws {
        var receives = try state.receives()
        guard !receives.recentSignalIds.contains(signal.signalId) else { return }
        receives.recentSignalIds.append(signal.signalId)
        if receives.recentSignalIds.count > ReceivesPart.signalIdsKept {
            receives.recentSignalIds.removeFirst(receives.recentSignalIds.count - ReceivesPart.signalIdsKept)
        }
        // Receives of methods that ended go.
        receives.open.removeAll { open in
            header.methodIndex(open.methodId).map { header.methods[$0].ending != nil } ?? true
        }
        var untyped: PayloadValue?
        let target = receives.open.firstIndex { open in
            guard open.channel == signal.channel else { return false }
            guard let filter = open.filter else { return true }
            if untyped == nil { untyped = try? state.codec.untypedValue(of: signal.value) }
            return untyped.map(filter.accepts) ?? false
        }
        if let target {
            let open = receives.open[target]
            receives.open[target].received += 1
            if receives.open[target].received >= open.limit { receives.open.remove(at: target) }
            let result = CommandResult(
                workflowName: header.workflowName, workflowId: header.workflowId, methodId: open.methodId,
                commandId: ReceiveSlots.id(open.commandId, slot: open.received + 1),
                outcome: .completed(signal.value))
            try applyResult(result, sequence: nil)
        }
        state.setReceives(receives)
    }

    /// Completes the running timers of `methodId` (of every method when nil) with their due dates.
    private mutating func completeTimers(of methodId: String?) throws {
        let methodIds = methodId.map { [$0] } ?? header.methods.map(\.methodId)
        let records = try state.methodRecords(methodIds.filter { header.methodIndex($0) != nil })
        let timerIds = records.flatMap { $0.timerIds ?? [] }
        for entry in try state.commands(timerIds) {
            guard let entry, !entry.record.status.isTerminated else { continue }
            let result = CommandResult(
                workflowName: header.workflowName, workflowId: header.workflowId, methodId: entry.methodId,
                commandId: entry.record.id, outcome: .completed(entry.record.descriptor.arguments.first ?? .void))
            try applyResult(result, sequence: nil)
        }
    }

    // MARK: retries

    /// Resumes each method that failed because its workflow task failed: the step it waited on becomes its
    /// current step again (already done), so `advance` dispatches a new workflow task for it.
    private mutating func retryWorkflowTask() throws {
        let failed = header.methods.filter { $0.ending == .failed }.map(\.methodId)
        for record in try state.methodRecords(failed) {
            guard case .failed(let error)? = record.outcome, case .workflowTaskFailed = error.cause else { continue }
            try reopen(record)
        }
    }

    /// Runs the selected tasks again: in each failed method, the failed tasks of the step it failed at (a
    /// failure the workflow caught earlier stays final) go back to ongoing with their retry sequence + 1 and
    /// are dispatched again; the method waits on that step again.
    private mutating func retryTasks(_ selection: TaskSelection) throws {
        let failed = header.methods.filter { $0.ending == .failed }.map(\.methodId)
        for record in try state.methodRecords(failed) {
            guard case .failed(let error)? = record.outcome, !isWorkflowTaskFailure(error.cause),
                let failedStep = record.history.pastSteps.last
            else { continue }
            let ids = failedStep.step.commandIds
            let entries = try state.commands(ids)
            let records = Dictionary(
                entries.compactMap { $0.map { ($0.record.id, $0.record) } }, uniquingKeysWith: { first, _ in first })
            // The method threw at this step (not after catching its failure).
            guard case .failed = StepOutcome.evaluate(failedStep.step, asOf: .max, command: { records[$0] }) else {
                continue
            }
            var retried: [CommandEntry] = []
            for entry in entries {
                guard var entry, case .failed(let failure) = entry.record.status,
                    selection.selects(entry.record, failure: failure),
                    !retried.contains(where: { $0.record.id == entry.record.id })
                else { continue }
                entry.record.status = .ongoing
                entry.record.resolvedAtTaskIndex = nil
                entry.record.resolutionSequence = nil
                entry.record.retrySequence = (entry.record.retrySequence ?? 0) + 1
                retried.append(entry)
            }
            guard !retried.isEmpty, let index = header.methodIndex(record.history.methodId) else { continue }
            for entry in retried {
                state.setCommand(entry)
                header.methods[index].ongoingCommands += 1
                dispatchAgain(entry.record, methodId: entry.methodId, headers: record.headers ?? [:])
            }
            try reopen(record)
        }
    }

    private func isWorkflowTaskFailure(_ cause: DeferredFailure) -> Bool {
        if case .workflowTaskFailed = cause { return true }
        return false
    }

    /// Sends a retried task to its service executor (with its caller-side timeout armed again).
    private mutating func dispatchAgain(_ command: CommandRecord, methodId: String, headers: [String: String]) {
        let descriptor = command.descriptor
        let requester = selfRequester(methodId)
        let task = ServiceTask(
            taskId: command.id, serviceName: descriptor.targetName, methodName: descriptor.methodName,
            arguments: descriptor.arguments, tags: descriptor.tags, meta: descriptor.meta,
            retrySequence: command.retrySequence ?? 0, workflowVersion: header.workflowVersion ?? 0)
        outputs.append(.serviceExecutor(stamp.envelope(task, requester: requester, headers: headers), delivery: .now))
        if let timeout = descriptor.timeout {
            let result = CommandResult(
                workflowName: header.workflowName, workflowId: header.workflowId, methodId: methodId,
                commandId: command.id, outcome: .failed(WorkflowExecutor.timeoutFailure(of: command, after: timeout)))
            outputs.append(
                .delayedWorkflowEngine(
                    stamp.envelope(.commandResult(result), requester: requester, headers: headers),
                    at: stamp.now.addingTimeInterval(timeout.inSeconds)))
        }
    }

    /// Undoes a method's failure: the step its failed workflow task resumed it from (or reached) becomes its
    /// current step again, with a new tracker; a method whose first workflow task failed starts over.
    private mutating func reopen(_ record: MethodRecord) throws {
        let methodId = record.history.methodId
        guard let index = header.methodIndex(methodId) else { return }
        var record = record
        record.outcome = nil
        header.methods[index].ending = nil
        guard let last = record.history.pastSteps.popLast() else {
            record.history.start = nil
            header.methods[index].started = false
            header.methods[index].step = nil
            state.setMethodRecord(record)
            return
        }
        record.history.currentStep = WaitingStep(position: last.position, step: last.step)
        state.setMethodRecord(record)
        try setStep(last.step, methodIndex: index, generation: header.workflowTaskIndex)
    }

    // MARK: progress

    /// Lets methods that returned and whose commands all ended leave the state; deletes the state once nothing
    /// is left (a failed method stays, so that it can be retried).
    /// With a retention, the outcomes of the methods that leave are kept, and an instance with nothing left
    /// is closed rather than deleted: its state expires when its last retention is over.
    private mutating func tidy() throws {
        guard !deleted, !header.isClosed else { return }
        let ended = header.runningWorkflowTask == nil && header.methods.allSatisfy(\.isDone)
        if ended, retention <= 0, header.retainedUntil == nil {
            delete()
            return
        }
        let done = header.methods.filter(\.isDone).map(\.methodId)
        if !done.isEmpty { try leave(try state.methodRecords(done), closing: ended) }
        if ended { close() }
    }

    /// Removes methods from the state, remembering their ids (unless the instance closes), and retains their
    /// outcomes for the retention: in a running instance, with one message to itself that forgets them when it
    /// is over; a closed instance's state expires with its last retention instead (`WorkflowState.writes`).
    private mutating func leave(_ records: [MethodRecord], closing: Bool) throws {
        for record in records {
            try state.removeMethod(record)
            if !closing { try state.recordEnded(record.history.methodId) }
        }
        guard retention > 0 else { return }
        let expiresAt = stamp.now.addingTimeInterval(retention)
        var retained: [String] = []
        for record in records {
            guard let outcome = record.outcome else { continue }
            state.retain(outcome, of: record.history.methodId, until: expiresAt)
            retained.append(record.history.methodId)
        }
        guard !retained.isEmpty, !closing else { return }
        let expire = ExpireOutcomes(
            workflowName: header.workflowName, workflowId: header.workflowId, methodIds: retained,
            expiresAt: expiresAt)
        outputs.append(.delayedWorkflowEngine(stamp.envelope(.expireOutcomes(expire), requester: nil), at: expiresAt))
    }

    /// Dispatches the next workflow task if none runs and a method can progress (called once per batch).
    mutating func advance(trigger: Date) throws {
        guard !deleted, header.runningWorkflowTask == nil,
            let index = header.methods.firstIndex(where: \.isReady)
        else { return }
        let methodId = header.methods[index].methodId
        guard var record = try state.methodRecord(methodId) else { return }
        let properties = try state.properties()
        // A parked replay that waits at the method's current step since its last workflow task needs only the
        // commands it knows without outcome that have one now; any other replay needs them all.
        let summary = header.methods[index]
        let waitsWhereParked = { (point: StickyPoint) -> Bool in
            summary.started && point.taskIndex == summary.lastTaskIndex
                && point.position == record.history.currentStep?.position
        }
        let parked = sticky?(methodId).flatMap { waitsWhereParked($0) ? $0 : nil }
        // Sticky routing: an executor keeps the replay parked (never when this engine replays inline), and the
        // method is long enough for a replay from its start to weigh.
        let routed = record.parkedAt.flatMap {
            stickyTimeout != nil && waitsWhereParked($0.point) && Self.routesSticky(record) ? $0 : nil
        }
        record.parkedAt = nil
        let known = parked ?? routed?.point
        let changed = try known.map { try state.commands($0.ongoingCommandIds) }
        header.workflowTaskIndex += 1
        let taskIndex = header.workflowTaskIndex
        let instant = max(header.lastInstant, trigger)
        header.lastInstant = instant
        let resumption = Resumption(taskIndex: taskIndex, instant: instant, properties: properties)
        if !header.methods[index].started {
            record.history.start = resumption
            header.methods[index].started = true
        } else if let current = record.history.currentStep {
            record.history.pastSteps.append(
                PastStep(position: current.position, step: current.step, resumption: resumption))
            record.history.currentStep = nil
        }
        header.methods[index].step = nil
        header.methods[index].lastTaskIndex = taskIndex
        state.setMethodRecord(record)
        let taskId = StableId.workflowTask(workflowId: header.workflowId, index: taskIndex)
        header.runningWorkflowTask = RunningWorkflowTask(
            id: taskId, methodId: methodId, index: taskIndex, executor: routed?.executor,
            routedAt: routed == nil ? nil : stamp.now)
        var history: MethodHistory
        if let changed {
            // The commands the parked code knew without outcome that have one now, and the step it resumes at.
            history = record.history
            history.commands = changed.compactMap { $0?.record }.filter(\.status.isTerminated)
            history.pastSteps = history.pastSteps.suffix(1)
        } else {
            // Without a parked replay to resume, the workflow task carries the method's whole history.
            history = try state.wholeMethodHistory(of: record)
        }
        var task = workflowTask(id: taskId, index: taskIndex, instant: instant, history: history)
        task.historyFrom = known?.taskIndex
        let envelope = stamp.envelope(task, requester: record.requester, headers: record.headers ?? [:])
        guard let routed, let timeout = stickyTimeout else {
            outputs.append(.workflowExecutor(envelope))
            return
        }
        outputs.append(.stickyWorkflowExecutor(envelope, executor: routed.executor))
        // If that executor does not complete it in time (it may be gone), the task goes whole to the others.
        if header.stickyWatch == nil { watchStickyTask(at: stamp.now.addingTimeInterval(timeout)) }
    }

    /// An executor can no longer resume a method's tasks: its running task, if it went there (and is the one named),
    /// goes whole to the shared topic, and the method's next tasks no longer go there.
    private mutating func redispatch(_ message: RedispatchWorkflowTask) throws {
        if var record = try state.methodRecord(message.methodId), record.parkedAt?.executor == message.executor {
            record.parkedAt = nil
            state.setMethodRecord(record)
        }
        guard let running = header.runningWorkflowTask, running.methodId == message.methodId,
            running.executor == message.executor, message.workflowTaskId.map({ $0 == running.id }) ?? true
        else { return }
        try redispatchWholly(running)
    }

    /// Sends the instance's watch of its sticky workflow tasks, due at `due`.
    private mutating func watchStickyTask(at due: Date) {
        let milliseconds = Int((due.timeIntervalSince1970 * 1000).rounded(.up))
        header.stickyWatch = milliseconds
        let watch = WatchStickyTask(
            workflowName: header.workflowName, workflowId: header.workflowId, dueMilliseconds: milliseconds)
        outputs.append(.delayedWorkflowEngine(stamp.envelope(.watchStickyTask(watch), requester: nil), at: due))
    }

    /// The pending watch is due: the running workflow task, if it went to an executor's own topic at least the
    /// sticky timeout ago, goes whole to the shared topic; one sent later is watched again. A watch that is not the
    /// pending one (a duplicate) is ignored.
    private mutating func checkStickyTask(_ watch: WatchStickyTask) throws {
        guard header.stickyWatch == watch.dueMilliseconds else { return }
        header.stickyWatch = nil
        guard let running = header.runningWorkflowTask, running.executor != nil else { return }
        // Without sticky routing any more (the engine's configuration changed), the task goes whole at once.
        let due = (running.routedAt ?? .distantPast).addingTimeInterval(stickyTimeout ?? 0)
        if stamp.now >= due {
            try redispatchWholly(running)
        } else {
            watchStickyTask(at: due)
        }
    }

    /// Whether a method's workflow tasks may go to the executor keeping its replay parked: once its history
    /// outgrew its record (`WorkflowState.recordTail`), when a replay from the start and a whole history weigh.
    /// Shorter methods stay free to go to any executor of the shared topic (an executor gone only delays theirs by
    /// the visibility timeout of its held messages, not by the sticky timeout as well).
    static func routesSticky(_ record: MethodRecord) -> Bool {
        record.sealedChunks != nil
    }

    /// A workflow task of this instance.
    private func workflowTask(id: String, index: Int, instant: Date, history: MethodHistory) -> WorkflowTask {
        WorkflowTask(
            workflowTaskId: id, workflowName: header.workflowName, workflowId: header.workflowId, tags: header.tags,
            meta: header.meta, taskIndex: index, instant: instant, method: history,
            workflowVersion: header.workflowVersion)
    }

    /// Sends the running workflow task again with the method's whole history to the shared executor topic, if it
    /// went to an executor's own topic (sticky routing): that executor could not resume it, or did not complete it
    /// in time. The task is the same (id, index, instant, history as of its dispatch: commands resolved since are
    /// ongoing for it, `CommandRecord.status(asOf:)`): whichever executor completes it first is applied, the other
    /// result is ignored.
    private mutating func redispatchWholly(_ task: RunningWorkflowTask) throws {
        var running = task
        guard running.executor != nil, let record = try state.methodRecord(running.methodId),
            let resumption = record.history.pastSteps.last?.resumption, resumption.taskIndex == running.index
        else { return }
        running.executor = nil
        running.routedAt = nil
        header.runningWorkflowTask = running
        let history = try state.wholeMethodHistory(of: record)
        let task = workflowTask(id: running.id, index: running.index, instant: resumption.instant, history: history)
        outputs.append(
            .workflowExecutor(stamp.envelope(task, requester: record.requester, headers: record.headers ?? [:])))
    }

    /// Removes the instance: its tags go, its state is deleted.
    private mutating func delete() {
        removeTags()
        deleted = true
    }

    /// Ends the instance but keeps its retained outcomes: its tags go, the state keeps only the outcomes (and
    /// the header) until the last retention is over.
    private mutating func close() {
        removeTags()
        state.close()
    }

    private mutating func removeTags() {
        for tag in header.tags.sorted() {
            let change = WorkflowTagChange(workflowName: header.workflowName, tag: tag, workflowId: header.workflowId)
            outputs.append(.workflowTag(stamp.envelope(.removeTag(change), requester: nil)))
        }
    }

    // MARK: helpers

    private func selfRequester(_ methodId: String) -> Requester {
        .workflow(name: header.workflowName, id: header.workflowId, methodId: methodId)
    }

    private func canceledError(methodId: String) -> WorkflowCanceledError {
        WorkflowCanceledError(workflowName: header.workflowName, workflowId: header.workflowId, methodId: methodId)
    }

    private func clientMessage(_ outcome: MethodOutcome, methodId: String) -> ClientMessage {
        switch outcome {
        case .completed(let value):
            return .methodCompleted(
                MethodCompleted(
                    workflowName: header.workflowName, workflowId: header.workflowId, methodId: methodId, value: value))
        case .failed(let error):
            return .methodFailed(error)
        case .canceled:
            return .methodCanceled(canceledError(methodId: methodId))
        }
    }
}
