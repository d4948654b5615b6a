import Foundation

/// The schedules of a workflow as pure logic, run by its workflow tag engine on the key `Schedules.engineKey`:
/// every schedule of the workflow is one state value there, read and written in the step that handles a message.
///
/// - A schedule waits for the tick of its `nextDue` instant: the engine sends it to itself with scheduled
///   delivery, with a message id derived from the schedule and the instant (published twice, stored once).
/// - A tick is handled only if it is the one the schedule waits for (not paused, `nextDue` equal, after the last
///   tick): stale, duplicate and redelivered ticks change nothing. It starts one instance, with an id derived
///   from the schedule and the tick's instant, records the tick and sends the next one, in one commit.
/// - A tick handled late (no worker ran at its instant) starts one instance, for the latest due instant passed:
///   the instants missed meanwhile are skipped, not run in a burst.
/// - `skip` overlap: the instance starts with the custom id `Schedules.customIdTag(name)`, so it does not start
///   while the previous one runs; `allow`: it starts in any case.
struct ScheduleEngine: Sendable {
    let emitterName: String

    func handle(
        _ message: ScheduleMessage, envelope: WorkflowTagEnvelope, stored: [UInt8]?, now: Date,
        codec: any PayloadCodec
    ) -> TagEngineStep {
        var stamp = MessageStamp(
            inputMessageId: envelope.messageId, emitterName: emitterName, now: now, headers: envelope.headers)
        var book = ScheduleBook()
        if let stored {
            do {
                book = try codec.decode(ScheduleBook.self, from: stored)
            } catch {
                return unreadable(message, envelope: envelope, error: error, stamp: &stamp)
            }
        }
        var outputs: [Outbound] = []
        let before = book.schedules.count
        var changed = false
        switch message.operation {
        case .tick(let tick):
            guard var state = book[tick.name], let step = self.tick(tick, state: &state, now: now, stamp: &stamp)
            else { return TagEngineStep() }
            book[tick.name] = state
            outputs = step
            changed = true
        case .request(let request):
            var answer = ScheduleAnswer(workflowName: message.workflowName, requestId: request.requestId, schedules: [])
            switch request.action {
            case .upsert(let definition):
                if let refusal = Self.refusal(definition, workflowName: message.workflowName) {
                    answer.refusal = refusal
                } else {
                    let old = book[definition.name]
                    var state = ScheduleState(
                        definition: definition, paused: false, nextDue: nil, lastTick: old?.lastTick,
                        lastWorkflowId: old?.lastWorkflowId, ticks: old?.ticks ?? 0)
                    outputs += start(&state, now: now, stamp: &stamp)
                    book[definition.name] = state
                    answer.schedules = [state.info]
                    changed = true
                }
            case .pause(let name):
                if var state = book[name] {
                    state.paused = true
                    state.nextDue = nil
                    book[name] = state
                    answer.schedules = [state.info]
                    changed = true
                }
            case .resume(let name):
                if var state = book[name] {
                    if state.paused {
                        state.paused = false
                        outputs += start(&state, now: now, stamp: &stamp)
                        book[name] = state
                        changed = true
                    }
                    answer.schedules = [state.info]
                }
            case .delete(let name):
                if let state = book[name] {
                    book[name] = nil
                    answer.schedules = [state.info]
                    changed = true
                }
            case .list:
                answer.schedules = book.schedules.map(\.info).sorted { $0.name < $1.name }
            }
            if case .client(let name) = envelope.requester {
                outputs.append(.client(name: name, stamp.envelope(.scheduleAnswer(answer), requester: nil)))
            }
        }
        var writes: [StateWrite] = []
        if changed {
            let key = Topics.workflowSchedules(message.workflowName)
            if book.schedules.isEmpty {
                if before > 0 { writes.append(StateWrite(key: key, operation: .delete)) }
            } else if let bytes = try? codec.encode(book) {
                writes.append(StateWrite(key: key, operation: .put(bytes)))
            }
        }
        return TagEngineStep(writes: writes, outputs: outputs)
    }

    /// Stored schedules that cannot be decoded (written by an incompatible version, or damaged) are never
    /// overwritten: ticks change nothing, and every request is refused with the reason, so that an operator can
    /// repair or delete the key.
    private func unreadable(
        _ message: ScheduleMessage, envelope: WorkflowTagEnvelope, error: any Error, stamp: inout MessageStamp
    ) -> TagEngineStep {
        guard case .request(let request) = message.operation, case .client(let name) = envelope.requester else {
            return TagEngineStep()
        }
        var answer = ScheduleAnswer(workflowName: message.workflowName, requestId: request.requestId, schedules: [])
        answer.refusal =
            "the stored schedules of \(message.workflowName) cannot be read (\(error)); nothing was changed: repair or "
            + "delete the state key \(Topics.workflowSchedules(message.workflowName).name)"
        return TagEngineStep(outputs: [.client(name: name, stamp.envelope(.scheduleAnswer(answer), requester: nil))])
    }

    /// Why the engine refuses a definition, if it does.
    static func refusal(_ definition: ScheduleDefinition, workflowName: String) -> String? {
        if definition.name.isEmpty { return "a schedule needs a name" }
        if definition.workflowName != workflowName {
            return "schedule '\(definition.name)' starts \(definition.workflowName), not \(workflowName)"
        }
        if case .cron(let expression) = definition.timing.kind {
            do { _ = try CronExpression(expression) } catch { return "\(error)" }
        }
        let customIds = definition.tags.filter(CustomId.isCustomId)
        if definition.overlap == .skip, !customIds.isEmpty {
            return "schedule '\(definition.name)' skips overlapping ticks with its own custom id: "
                + "its tags cannot hold \(customIds.sorted())"
        }
        if customIds.count > 1 { return "a workflow may carry one `customId:` tag, not \(customIds.sorted())" }
        return nil
    }

    /// Waits for the next due instant after `now`: sets it and sends its tick.
    private func start(_ state: inout ScheduleState, now: Date, stamp: inout MessageStamp) -> [Outbound] {
        state.nextDue = state.definition.timing.nextDue(after: now)
        return tickMessage(state, stamp: &stamp)
    }

    /// The tick of `state.nextDue`, if any.
    private func tickMessage(_ state: ScheduleState, stamp: inout MessageStamp) -> [Outbound] {
        guard let due = state.nextDue else { return [] }
        let definition = state.definition
        let tick = ScheduleTick(name: definition.name, dueMilliseconds: due)
        let message = WorkflowTagMessage.schedule(
            ScheduleMessage(workflowName: definition.workflowName, operation: .tick(tick)))
        var envelope = stamp.envelope(message, requester: nil, headers: [:])
        envelope.messageId = StableId.make("schedule-tick", definition.workflowName, definition.name, String(due))
        return [.delayedWorkflowTag(envelope, at: Schedules.date(due))]
    }

    /// Handles the tick the schedule waits for (nil for any other: nothing to do).
    private func tick(
        _ tick: ScheduleTick, state: inout ScheduleState, now: Date, stamp: inout MessageStamp
    ) -> [Outbound]? {
        guard !state.paused, state.nextDue == tick.dueMilliseconds,
            tick.dueMilliseconds > state.lastTick ?? .min
        else { return nil }
        let definition = state.definition
        // Late: one instance, for the latest due instant passed.
        let due = max(tick.dueMilliseconds, definition.timing.latestDue(notAfter: now) ?? .min)
        let workflowId = Schedules.workflowId(
            workflowName: definition.workflowName, scheduleName: definition.name, dueMilliseconds: due)
        var outputs: [Outbound] = []
        switch definition.overlap {
        case .allow:
            let dispatch = DispatchWorkflow(
                workflowName: definition.workflowName, workflowId: workflowId, methodName: definition.methodName,
                arguments: definition.arguments, tags: definition.tags, meta: definition.meta)
            outputs.append(.workflowEngine(stamp.envelope(.dispatchWorkflow(dispatch), requester: nil)))
        case .skip:
            let dispatch = DispatchWorkflow(
                workflowName: definition.workflowName, workflowId: workflowId, methodName: definition.methodName,
                arguments: definition.arguments, tags: definition.tags.union([Schedules.customIdTag(definition.name)]),
                meta: definition.meta)
            outputs.append(.workflowTag(stamp.envelope(.dispatchByCustomId(dispatch), requester: nil)))
        }
        state.lastTick = due
        state.lastWorkflowId = workflowId
        state.ticks += 1
        state.nextDue = definition.timing.nextDue(after: max(now, Schedules.date(due)))
        return outputs + tickMessage(state, stamp: &stamp)
    }
}
