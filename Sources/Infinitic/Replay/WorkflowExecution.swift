import Foundation
import Synchronization

/// The replay of one method during one workflow task: it hands out positions, matches the code against the
/// recorded history (the determinism check), records new commands, resolves awaits "as of" the workflow task
/// that first ran the code, and holds the properties.
///
/// When the code reaches a step whose outcome is unknown, or misbehaves, the execution is *sealed*: the
/// outcome is fixed, every later use of the context is ignored, and awaits throw `WorkflowSuspension`. Using the
/// context from another task than the replay's own seals it with a `WorkflowEscapeError`.
///
/// A *parkable* execution (sticky replay, see `StickyReplays`) does not throw at a step whose outcome is unknown:
/// the code waits there, and a later workflow task of the method resumes it (`resume(with:headers:)`) with what
/// changed, instead of replaying it from the start.
final class WorkflowExecution: Sendable {
    let workflowName: String
    let workflowId: String
    let methodId: String
    let methodName: String
    let checkMode: CheckMode
    let codec: any PayloadCodec
    /// What each command passes (`InfiniticInterceptor.workflowCommand`).
    let interceptors: Interceptors
    /// Whether the code waits at a step whose outcome is unknown instead of throwing `WorkflowSuspension`.
    let parkable: Bool
    private let state: Mutex<ReplayState>

    /// The execution running on the current Swift task (for `@WorkflowProperty`).
    @TaskLocal static var current: WorkflowExecution?

    enum Seal: Sendable {
        case waiting(WaitingStep)
        case failed(ErrorDescription)
    }

    private enum DispatchState {
        case idle
        case armed
        case captured(String)
    }

    private struct ReplayState {
        /// The workflow task running the code (the last one, once parked).
        var task: WorkflowTask
        /// The workflow task's headers: what the code sees, and what its new commands are dispatched with.
        var headers: [String: String]
        var position = 0
        var asOfTaskIndex: Int
        var instant: Date
        var properties: [String: Payload]
        var lastKnownPosition: Int
        var recordedCommands: [Int: CommandRecord]
        var recordedSteps: [Int: PastStep]
        var commandsById: [String: CommandRecord]
        /// The ids of the commands without outcome in `commandsById`.
        var ongoing: Set<String>
        var newCommands: [CommandRecord] = []
        /// What the interceptors set for new commands, by id.
        var dispatches: [String: CommandDispatch] = [:]
        var passedSteps: [PastStep] = []
        var seal: Seal?
        var dispatch = DispatchState.idle
        var inInline = false
        /// The task replaying the method, while it runs.
        var owner: Owner?
        /// Set when the replay's own task has ended: later uses of the context (by a task that escaped) are ignored.
        var finished = false
        /// The random numbers drawn at the current position.
        var random: (position: Int, generator: SplitMix64)?
        /// Where the code waits, parked (a parkable execution): the step, and how to resume it (with nil when the
        /// parked execution is dropped: the code then gets `WorkflowSuspension`).
        var parked: (step: WaitingStep, continuation: CheckedContinuation<StepOutcome?, Never>)?
    }

    /// The replay's own task and the executor its child tasks inherit.
    private struct Owner: @unchecked Sendable {
        let task: UnsafeCurrentTask
        let executor: UnownedTaskExecutor
    }

    init(
        task: WorkflowTask, start: Resumption, checkMode: CheckMode, codec: any PayloadCodec,
        headers: [String: String] = [:], interceptors: Interceptors = [], parkable: Bool = false
    ) {
        self.workflowName = task.workflowName
        self.workflowId = task.workflowId
        self.methodId = task.method.methodId
        self.methodName = task.method.methodName
        self.checkMode = checkMode
        self.codec = codec
        self.interceptors = interceptors
        self.parkable = parkable
        let method = task.method
        var current = task
        current.method.commands = []
        current.method.pastSteps = []
        self.state = Mutex(
            ReplayState(
                task: current, headers: headers,
                asOfTaskIndex: start.taskIndex, instant: start.instant, properties: start.properties,
                lastKnownPosition: method.lastKnownPosition,
                recordedCommands: Dictionary(
                    method.commands.map { ($0.position, $0) }, uniquingKeysWith: { a, _ in a }),
                recordedSteps: Dictionary(method.pastSteps.map { ($0.position, $0) }, uniquingKeysWith: { a, _ in a }),
                commandsById: Dictionary(method.commands.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a }),
                ongoing: Set(method.commands.filter { !$0.status.isTerminated }.map(\.id))))
    }

    /// The workflow task running the code (its method without commands nor past steps).
    var task: WorkflowTask { state.withLock { $0.task } }

    /// The workflow task's headers: what the code sees, and what its new commands are dispatched with.
    var headers: [String: String] { state.withLock { $0.headers } }

    /// The instant of the workflow task that first ran the code now executing.
    var now: Date {
        state.withLock { state in
            noteEscape(&state, doing: "now")
            return state.instant
        }
    }

    // MARK: the replay's own task

    /// Makes the current task the replay's own: from now on, the context used from another task fails the workflow
    /// task with a `WorkflowEscapeError`. `executor` is the one child tasks of the replay inherit.
    func adoptCurrentTask(executor: UnownedTaskExecutor) {
        withUnsafeCurrentTask { task in
            guard let task else { return }
            let owner = Owner(task: task, executor: executor)
            state.withLock { $0.owner = owner }
        }
    }

    /// The replay's own task ended: later uses of the context are ignored.
    func finish() {
        state.withLock { state in
            state.owner = nil
            state.finished = true
        }
    }

    /// The replay suspended on something else than its context (found by the executor driving it).
    func suspendedOutside() {
        state.withLock { seal(&$0, failing: escapeError(.suspension, action: nil)) }
    }

    // MARK: random numbers

    /// The next random number: the `k`-th drawn at position `n` of the method derives from the workflow id, the
    /// method id, `n` and `k`, so replays draw the same numbers.
    func nextRandom() -> UInt64 {
        state.withLock { state in
            noteEscape(&state, doing: "random")
            if state.random?.position != state.position {
                let seed = StableId.seed("random", workflowId, methodId, String(state.position))
                state.random = (state.position, SplitMix64(seed: seed))
            }
            return state.random!.generator.next()
        }
    }

    // MARK: commands

    /// Records (or, when replaying, finds) the command the code issues at the next position, and returns its id.
    /// Inside `dispatch`, throws `DispatchSignal` once recorded.
    func command(_ descriptor: CommandDescriptor) throws -> String {
        let (id, position, replaying, dispatched, headers) = try state.withLock {
            state -> (String, Int, Bool, Bool, [String: String]) in
            try checkUsable(&state, doing: descriptor.description)
            state.position += 1
            let position = state.position
            let replaying = position <= state.lastKnownPosition
            let id: String
            if replaying {
                id = try recordedCommand(&state, at: position, matching: descriptor).id
            } else {
                let task = state.task
                id = StableId.command(
                    workflowId: workflowId, methodId: methodId, position: position, workflowTaskIndex: task.taskIndex)
                var record = CommandRecord(
                    id: id, position: position, descriptor: descriptor, createdAtTaskIndex: task.taskIndex)
                if descriptor.kind == .signal {
                    // Sent with the workflow task's output: nothing to wait for.
                    record.status = .completed(.void)
                    record.resolvedAtTaskIndex = task.taskIndex
                }
                state.newCommands.append(record)
                state.commandsById[id] = record
                if !record.status.isTerminated { state.ongoing.insert(id) }
                if descriptor.kind == .receive, let limit = descriptor.limit, limit > 1 {
                    // One more record per buffered signal, at the same position (see `ReceiveSlots`).
                    var slotDescriptor = descriptor
                    slotDescriptor.limit = nil
                    slotDescriptor.filter = nil
                    for slot in 2...limit {
                        let slotRecord = CommandRecord(
                            id: ReceiveSlots.id(id, slot: slot), position: position, descriptor: slotDescriptor,
                            createdAtTaskIndex: state.task.taskIndex)
                        state.newCommands.append(slotRecord)
                        state.commandsById[slotRecord.id] = slotRecord
                        state.ongoing.insert(slotRecord.id)
                    }
                }
            }
            if case .armed = state.dispatch {
                state.dispatch = .captured(id)
                return (id, position, replaying, true, state.headers)
            }
            return (id, position, replaying, false, state.headers)
        }
        if !interceptors.isEmpty {
            intercept(descriptor, id: id, position: position, isReplaying: replaying, headers: headers)
        }
        if dispatched { throw DispatchSignal() }
        return id
    }

    /// Passes the command at `position` through the interceptors, and keeps what they set for its dispatch if it
    /// is new (outside the lock: an interceptor cannot reach the context, but must not wait on it either).
    private func intercept(
        _ descriptor: CommandDescriptor, id: String, position: Int, isReplaying replaying: Bool,
        headers: [String: String]
    ) {
        let input = WorkflowCommandInput(
            workflowName: workflowName, workflowId: workflowId, methodName: methodName,
            methodId: methodId, command: descriptor, commandId: id, position: position,
            isReplaying: replaying, headers: headers, meta: descriptor.meta)
        interceptors.workflowCommand(input) { input in
            guard !replaying, descriptor.kind != .inline else { return }
            let dispatch = CommandDispatch(headers: input.headers, meta: input.meta)
            state.withLock { $0.dispatches[id] = dispatch }
        }
    }

    /// Runs `call`, which must make exactly one stub call, and returns the id of the command it recorded.
    func capturingDispatch(_ call: () async throws -> Void) async throws -> String {
        try state.withLock { state in
            try checkUsable(&state, doing: "dispatch")
            state.dispatch = .armed
        }
        var thrown: (any Error)?
        do {
            try await call()
        } catch is DispatchSignal {
        } catch {
            thrown = error
        }
        return try state.withLock { state in
            defer { state.dispatch = .idle }
            if state.seal != nil { throw WorkflowSuspension() }
            if case .captured(let id) = state.dispatch { return id }
            if let thrown { throw thrown }
            seal(&state, failing: WorkflowUsageError("a `dispatch` closure must call one method of a stub"))
            throw WorkflowSuspension()
        }
    }

    /// Runs `body` once, records its outcome, and returns (or throws) the recorded outcome on replays.
    func inline<Value: Codable>(_ body: () throws -> Value) throws -> Value {
        let (recorded, position, task, headers) = try state.withLock {
            state -> (CommandRecord?, Int, WorkflowTask, [String: String]) in
            try checkUsable(&state, doing: "inline")
            state.position += 1
            guard state.position > state.lastKnownPosition else {
                return (
                    try recordedCommand(&state, at: state.position, matching: .inline), state.position, state.task,
                    state.headers
                )
            }
            state.inInline = true
            return (nil, state.position, state.task, state.headers)
        }
        let id =
            recorded?.id
            ?? StableId.command(
                workflowId: workflowId, methodId: methodId, position: position, workflowTaskIndex: task.taskIndex)
        if !interceptors.isEmpty {
            intercept(.inline, id: id, position: position, isReplaying: recorded != nil, headers: headers)
        }
        if let recorded {
            switch recorded.status {
            case .completed(let payload): return try codec.value(Value.self, from: payload)
            case .failed(let failure): throw failure.error
            case .ongoing: throw WorkflowUsageError("inline at position \(recorded.position) has no recorded result")
            }
        }

        let outcome: Result<Value, any Error> = Result { try body() }
        let status: CommandStatus
        switch outcome {
        case .success(let value):
            do {
                status = .completed(try codec.payload(value))
            } catch {
                state.withLock { seal(&$0, failing: WorkflowUsageError("an inline result does not encode: \(error)")) }
                throw WorkflowSuspension()
            }
        case .failure(let error):
            status = .failed(.error(ErrorDescription(error, codec: codec)))
        }
        try state.withLock { state in
            state.inInline = false
            if state.seal != nil { throw WorkflowSuspension() }
            let record = CommandRecord(
                id: id, position: position, descriptor: .inline, status: status, createdAtTaskIndex: task.taskIndex,
                resolvedAtTaskIndex: task.taskIndex)
            state.newCommands.append(record)
            state.commandsById[id] = record
        }
        switch status {
        case .completed: return try outcome.get()
        case .failed(let failure): throw failure.error
        case .ongoing: throw WorkflowSuspension()
        }
    }

    // MARK: steps

    /// Waits on `step` at the next position: returns its result or throws its failure when its outcome is
    /// known as of the current workflow task; otherwise seals the execution on it and throws
    /// `WorkflowSuspension` or, if parkable, parks there until a later workflow task resumes it.
    func awaitStep(_ step: StepSpec) async throws -> StepResult {
        var outcome = try outcomeNow(of: step)
        if case .waiting = outcome, parkable {
            let waiting = state.withLock { $0.seal }
            guard case .waiting(let waitingStep)? = waiting else { throw WorkflowSuspension() }
            let resumed = await withCheckedContinuation { continuation in
                state.withLock { state in
                    state.parked = (waitingStep, continuation)
                    // Parked past every recorded position: what the replay matched the code against is not needed
                    // any more (only the commands by id are, for the code to come).
                    state.recordedCommands = [:]
                    state.recordedSteps = [:]
                }
            }
            guard let resumed else { throw WorkflowSuspension() }
            outcome = resumed
        }
        switch outcome {
        case .completed(let result, _): return result
        case .failed(let failure, _): throw failure.error
        case .waiting: throw WorkflowSuspension()
        }
    }

    /// Where `step`, at the next position, stands as of the current workflow task; a step that waits seals the
    /// execution on it.
    private func outcomeNow(of step: StepSpec) throws -> StepOutcome {
        try state.withLock { state -> StepOutcome in
            try checkUsable(&state, doing: step.description)
            if case .armed = state.dispatch {
                seal(&state, failing: WorkflowUsageError("a `dispatch` closure must not await"))
                throw WorkflowSuspension()
            }
            state.position += 1
            let position = state.position
            if position <= state.lastKnownPosition {
                guard let recorded = state.recordedSteps[position] else {
                    let recordedCommand = state.recordedCommands[position]?.descriptor.description ?? "nothing"
                    seal(&state, failing: changed(at: position, recorded: recordedCommand, current: step.description))
                    throw WorkflowSuspension()
                }
                if checkMode != .none && recorded.step != step {
                    seal(
                        &state,
                        failing: changed(at: position, recorded: recorded.step.description, current: step.description))
                    throw WorkflowSuspension()
                }
                if let resumption = recorded.resumption {
                    state.asOfTaskIndex = resumption.taskIndex
                    state.instant = resumption.instant
                    state.properties = resumption.properties
                }
                let outcome = evaluate(step, in: state)
                guard outcome.isTerminated else {
                    seal(&state, failing: WorkflowUsageError("step at position \(position) is past but unresolved"))
                    throw WorkflowSuspension()
                }
                return outcome
            }
            let outcome = evaluate(step, in: state)
            guard outcome.isTerminated else {
                state.seal = .waiting(WaitingStep(position: position, step: step))
                if parkable { return outcome }  // the caller parks
                throw WorkflowSuspension()
            }
            state.passedSteps.append(PastStep(position: position, step: step))
            return outcome
        }
    }

    // MARK: parking (sticky replay)

    /// Whether the code waits, parked, for a later workflow task.
    var isParked: Bool { state.withLock { $0.parked != nil } }

    /// How many commands the execution knows (what its memory grows with).
    var knownCommandCount: Int { state.withLock { $0.commandsById.count } }

    /// The index of the workflow task that parked the code, and the step it waits at, if parked.
    var parkedAt: (taskIndex: Int, step: WaitingStep)? {
        state.withLock { state in state.parked.map { (state.task.taskIndex, $0.step) } }
    }

    /// The commands the parked code knows without outcome: those whose outcome a later workflow task may bring.
    var ongoingCommandIds: [String] {
        state.withLock { state in state.ongoing.sorted() }
    }

    /// Resumes the parked code with `task`, a later workflow task of the method whose history holds at least what
    /// changed since the workflow task that parked it: the commands resolved since, and the past step of the step
    /// the code waits at, with its resumption. Returns false, leaving the code parked, if `task` does not continue
    /// it (another step, or that step is not done as of `task`).
    func resume(with task: WorkflowTask, headers: [String: String]) -> Bool {
        let resumed = state.withLock { state -> (CheckedContinuation<StepOutcome?, Never>, StepOutcome)? in
            guard let parked = state.parked, let (resumption, changes, outcome) = continuation(of: state, by: task)
            else { return nil }
            for (id, record) in changes {
                state.commandsById[id] = record
                if record.status.isTerminated { state.ongoing.remove(id) } else { state.ongoing.insert(id) }
            }
            state.asOfTaskIndex = resumption.taskIndex
            state.instant = resumption.instant
            state.properties = resumption.properties
            var current = task
            current.method.commands = []
            current.method.pastSteps = []
            state.task = current
            state.headers = headers
            // Everything up to the parked step is past: what follows is new code.
            state.lastKnownPosition = parked.step.position
            state.recordedCommands = [:]
            state.recordedSteps = [:]
            state.newCommands = []
            state.passedSteps = []
            state.dispatches = [:]
            state.seal = nil
            state.parked = nil
            return (parked.continuation, outcome)
        }
        guard let (continuation, outcome) = resumed else { return false }
        continuation.resume(returning: outcome)
        return true
    }

    /// Whether `task` continues the parked code (see `resume(with:headers:)`).
    func isContinued(by task: WorkflowTask) -> Bool {
        state.withLock { continuation(of: $0, by: task) != nil }
    }

    /// How `task` resumes the parked code: the resumption of its step, the commands it changes, and the step's
    /// outcome (nil if `task` does not continue the parked code).
    private func continuation(
        of state: ReplayState, by task: WorkflowTask
    ) -> (Resumption, [String: CommandRecord], StepOutcome)? {
        guard let parked = state.parked, !state.finished, task.taskIndex > state.task.taskIndex,
            task.method.methodId == methodId,
            let past = task.method.pastSteps.last(where: { $0.position == parked.step.position }),
            past.step == parked.step.step, let resumption = past.resumption, resumption.taskIndex == task.taskIndex
        else { return nil }
        let changes = Dictionary(task.method.commands.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        let outcome = StepOutcome.evaluate(parked.step.step, asOf: resumption.taskIndex) {
            changes[$0] ?? state.commandsById[$0]
        }
        guard outcome.isTerminated else { return nil }
        return (resumption, changes, outcome)
    }

    /// Lets the parked code go on with `WorkflowSuspension` (it is dropped: its task unwinds and ends).
    func abandon() {
        let continuation = state.withLock { state in
            defer { state.parked = nil }
            return state.parked?.continuation
        }
        continuation?.resume(returning: nil)
    }

    /// The status of `step` as of the current workflow task.
    func status(of step: StepSpec) -> DeferredStatus {
        state.withLock { state in
            noteEscape(&state, doing: "status of \(step.description)")
            guard state.seal == nil else { return .ongoing }
            switch evaluate(step, in: state) {
            case .waiting: return .ongoing
            case .completed: return .completed
            case .failed(let failure, _): return failure.deferredStatus
            }
        }
    }

    // MARK: properties

    /// The current value of a property, or nil if never set (or not decodable, which fails the workflow task).
    func property<Value: Decodable>(_ name: String, as type: Value.Type) -> Value? {
        let payload = state.withLock { state in
            noteEscape(&state, doing: "property \(name)")
            return state.properties[name]
        }
        guard let payload else { return nil }
        do {
            return try codec.value(type, from: payload)
        } catch {
            state.withLock { state in
                if !state.finished {
                    seal(
                        &state,
                        failing: WorkflowUsageError("property \(name) does not decode as \(Value.self): \(error)"))
                }
            }
            return nil
        }
    }

    /// Sets a property (ignored once sealed).
    func setProperty<Value: Encodable>(_ name: String, to value: Value) {
        do {
            let payload = try codec.payload(value)
            state.withLock { state in
                noteEscape(&state, doing: "property \(name)")
                if state.seal == nil && !state.finished { state.properties[name] = payload }
            }
        } catch {
            state.withLock { state in
                if !state.finished {
                    seal(&state, failing: WorkflowUsageError("property \(name) does not encode: \(error)"))
                }
            }
        }
    }

    // MARK: end of the replay

    /// The workflow task's output, once the method returned (`.success`) or threw (`.failure`), or parked (nil).
    func output(after methodResult: Result<Payload, any Error>?) -> WorkflowTaskOutput {
        state.withLock { state in
            if state.seal == nil, let methodResult {
                if state.position < state.lastKnownPosition {
                    let recorded =
                        state.recordedCommands[state.lastKnownPosition]?.descriptor.description
                        ?? state.recordedSteps[state.lastKnownPosition]?.step.description ?? "more"
                    let ending = (try? methodResult.get()) == nil ? "throws" : "returns"
                    seal(
                        &state,
                        failing: changed(
                            at: state.lastKnownPosition, recorded: recorded, current: "the method \(ending)"))
                } else if case .failure(let error as InvocationError) = methodResult {
                    seal(&state, failing: error)
                }
            }
            switch state.seal {
            case .failed(let error):
                return WorkflowTaskOutput(outcome: .workflowTaskFailed(taskFailure(error, task: state.task)))
            case .waiting(let step):
                var output = WorkflowTaskOutput(
                    newCommands: state.newCommands, passedSteps: state.passedSteps, properties: state.properties,
                    outcome: .waiting(step))
                output.dispatches = state.dispatches
                return output
            case nil:
                let outcome: WorkflowTaskOutput.Outcome
                switch methodResult {
                case .success(let payload): outcome = .returned(payload)
                case .failure(let error): outcome = .threw(DeferredFailure(error, codec: codec))
                case nil:
                    let error = WorkflowUsageError("the replay parked without waiting at a step")
                    return WorkflowTaskOutput(
                        outcome: .workflowTaskFailed(
                            taskFailure(ErrorDescription(error, codec: codec), task: state.task)))
                }
                var output = WorkflowTaskOutput(
                    newCommands: state.newCommands, passedSteps: state.passedSteps, properties: state.properties,
                    outcome: outcome)
                output.dispatches = state.dispatches
                return output
            }
        }
    }

    /// A failed workflow task `task` for `error`.
    private func taskFailure(_ error: ErrorDescription, task: WorkflowTask) -> WorkflowTaskFailedError {
        WorkflowTaskFailedError(
            workflowName: workflowName, workflowId: workflowId, workflowTaskId: task.workflowTaskId,
            methodName: methodName, error: error)
    }

    // MARK: helpers

    private func checkUsable(_ state: inout ReplayState, doing action: String) throws {
        noteEscape(&state, doing: action)
        if state.seal != nil || state.finished { throw WorkflowSuspension() }
        if state.inInline {
            seal(
                &state,
                failing: WorkflowUsageError("\(action) inside `inline`: an inline block must not use the context"))
            throw WorkflowSuspension()
        }
        if case .captured = state.dispatch {
            seal(&state, failing: WorkflowUsageError("\(action) inside `dispatch` after its stub call"))
            throw WorkflowSuspension()
        }
    }

    private func recordedCommand(
        _ state: inout ReplayState, at position: Int, matching descriptor: CommandDescriptor
    )
        throws -> CommandRecord
    {
        guard let recorded = state.recordedCommands[position] else {
            let recordedStep = state.recordedSteps[position]?.step.description ?? "nothing"
            seal(&state, failing: changed(at: position, recorded: recordedStep, current: descriptor.description))
            throw WorkflowSuspension()
        }
        guard recorded.descriptor.matches(descriptor, mode: checkMode) else {
            seal(
                &state,
                failing: changed(
                    at: position, recorded: recorded.descriptor.description, current: descriptor.description))
            throw WorkflowSuspension()
        }
        return recorded
    }

    private func changed(at position: Int, recorded: String, current: String) -> WorkflowChangedError {
        WorkflowChangedError(
            workflowName: workflowName, methodName: methodName, position: position,
            recorded: recorded, current: current)
    }

    /// Seals the execution with a `WorkflowEscapeError` if the current task is not the replay's own.
    private func noteEscape(_ state: inout ReplayState, doing action: String) {
        guard let owner = state.owner else { return }
        let kind = withUnsafeCurrentTask { current -> WorkflowEscapeError.Kind? in
            guard let current else { return .unstructuredTask }
            if current == owner.task { return nil }
            return current.unownedTaskExecutor == owner.executor ? .childTask : .unstructuredTask
        }
        if let kind { seal(&state, failing: escapeError(kind, action: action)) }
    }

    private func escapeError(_ kind: WorkflowEscapeError.Kind, action: String?) -> WorkflowEscapeError {
        WorkflowEscapeError(
            kind: kind, workflowName: workflowName, methodName: methodName, action: action)
    }

    private func seal(_ state: inout ReplayState, failing error: any Error) {
        guard state.seal == nil else { return }
        state.seal = .failed(ErrorDescription(error, codec: codec))
    }

    private func evaluate(_ step: StepSpec, in state: ReplayState) -> StepOutcome {
        StepOutcome.evaluate(step, asOf: state.asOfTaskIndex) { state.commandsById[$0] }
    }
}

extension WorkflowExecution: InvocationHandler {
    /// A stub call: records the command, then (outside `dispatch`) waits for its result.
    func invoke(_ target: InvocationTarget, method: String, arguments: [Payload]) async throws -> Payload {
        try await invoke(target, method: method, arguments: arguments, timeout: nil)
    }

    /// A stub call whose awaiting code gets a timed-out error after `timeout` (a caller-side timeout).
    func invoke(
        _ target: InvocationTarget, method: String, arguments: [Payload], timeout: Duration?
    ) async throws -> Payload {
        let id = try command(target, method: method, arguments: arguments, timeout: timeout)
        guard case .value(let payload) = try await awaitStep(.command(id)) else {
            throw WorkflowUsageError("a command step resolved to something else than a value")
        }
        return payload
    }

    /// Records the command of a stub call; returns its id. Kept out of `invoke`'s async frame (allocated at every
    /// call).
    @inline(never)
    private func command(
        _ target: InvocationTarget, method: String, arguments: [Payload], timeout: Duration?
    ) throws -> String {
        var descriptor: CommandDescriptor
        switch target {
        case .service(let name, let tags, let meta):
            descriptor = CommandDescriptor(
                kind: .task, targetName: name, methodName: method, arguments: arguments, tags: tags, meta: meta)
        case .workflow(let name, let id):
            descriptor = CommandDescriptor(
                kind: .workflowMethod, targetName: name, methodName: method, arguments: arguments, targetWorkflowId: id)
        case .newWorkflow(let name, let tags, let meta):
            descriptor = CommandDescriptor(
                kind: .childWorkflow, targetName: name, methodName: method, arguments: arguments, tags: tags,
                meta: meta)
        }
        descriptor.timeout = timeout
        return try command(descriptor)
    }
}

/// The stub handler of a context stub with a caller-side timeout.
struct TimedInvocation: InvocationHandler {
    let execution: WorkflowExecution
    /// For every method; else each method's entry in `methodTimeouts`; else none.
    let timeout: Duration?
    var methodTimeouts: [String: Duration] = [:]

    func invoke(_ target: InvocationTarget, method: String, arguments: [Payload]) async throws -> Payload {
        guard let timeout = timeout ?? methodTimeouts[method] else {
            return try await execution.invoke(target, method: method, arguments: arguments)
        }
        return try await execution.invoke(target, method: method, arguments: arguments, timeout: timeout)
    }
}
