import Foundation
import Testing

@testable import Infinitic

/// The schedule logic of the workflow tag engine as a pure step: requests, ticks (stale, duplicate, late),
/// pause, overlap policies.
@Suite struct ScheduleEngineTests {
    let engine = WorkflowTagEngine(emitterName: "tag-engine")
    let codec = BinaryPayloadCodec()
    let workflowName = "Reports"
    let t0 = Date(timeIntervalSince1970: 1_800_000_000)  // a whole second

    /// The schedules' stored value, carried from step to step as the role would.
    final class Store {
        var bytes: [UInt8]?
    }

    struct Outcome {
        var step: TagEngineStep
        var ticks: [(envelope: WorkflowTagEnvelope, due: Date)] {
            step.outputs.compactMap {
                if case .delayedWorkflowTag(let envelope, let at) = $0 { (envelope, at) } else { nil }
            }
        }
        var started: [DispatchWorkflow] {
            step.outputs.compactMap {
                if case .workflowEngine(let envelope) = $0, case .dispatchWorkflow(let dispatch) = envelope.message {
                    dispatch
                } else if case .workflowTag(let envelope) = $0,
                    case .dispatchByCustomId(let dispatch) = envelope.message
                {
                    dispatch
                } else {
                    nil
                }
            }
        }
        var answer: ScheduleAnswer? {
            for case .client(_, let envelope) in step.outputs {
                if case .scheduleAnswer(let answer) = envelope.message { return answer }
            }
            return nil
        }
    }

    func send(_ message: WorkflowTagMessage, _ store: Store, at now: Date, id: String = UUID().uuidString) -> Outcome {
        let envelope = WorkflowTagEnvelope(
            messageId: id, emitterName: "client", emittedAt: now, requester: .client(name: "c"), message: message)
        #expect(engine.stateKey(message) == Topics.workflowSchedules(workflowName))
        #expect(!engine.needsIds(message))
        let step = engine.handle(envelope, ids: [], stored: store.bytes, now: now, codec: codec)
        for write in step.writes {
            #expect(write.key == Topics.workflowSchedules(workflowName))
            switch write.operation {
            case .put(let bytes): store.bytes = bytes
            case .delete: store.bytes = nil
            default: Issue.record("unexpected write \(write.operation)")
            }
        }
        return Outcome(step: step)
    }

    func request(_ action: ScheduleAction, _ store: Store, at now: Date) -> Outcome {
        send(
            .schedule(
                ScheduleMessage(
                    workflowName: workflowName,
                    operation: .request(ScheduleRequest(requestId: UUID().uuidString, action: action)))), store, at: now
        )
    }

    func tick(_ name: String, due: Date, _ store: Store, at now: Date) -> Outcome {
        let tick = ScheduleTick(name: name, dueMilliseconds: Schedules.milliseconds(due))
        return send(.schedule(ScheduleMessage(workflowName: workflowName, operation: .tick(tick))), store, at: now)
    }

    func definition(
        _ name: String, _ timing: ScheduleTiming, overlap: ScheduleOverlap = .allow, tags: Set<String> = []
    ) -> ScheduleDefinition {
        ScheduleDefinition(
            name: name, timing: timing, overlap: overlap, workflowName: workflowName, methodName: "run",
            arguments: [], tags: tags)
    }

    func id(_ name: String, _ due: Date) -> String {
        Schedules.workflowId(workflowName: workflowName, scheduleName: name, due: due)
    }

    @Test func aTickStartsOnceAndSchedulesTheNext() throws {
        let store = Store()
        let created = request(.upsert(definition("s", try .every(.seconds(10)))), store, at: t0 + 3)
        #expect(created.answer?.schedules.first?.nextDue == t0 + 10)
        #expect(created.ticks.map(\.due) == [t0 + 10])
        #expect(created.started.isEmpty)
        let tickId = try #require(created.ticks.first?.envelope.messageId)
        #expect(tickId == StableId.make("schedule-tick", workflowName, "s", String(Schedules.milliseconds(t0 + 10))))

        let first = tick("s", due: t0 + 10, store, at: t0 + 10.01)
        #expect(first.started.map(\.workflowId) == [id("s", t0 + 10)])
        #expect(first.ticks.map(\.due) == [t0 + 20])
        #expect(first.step.writes.count == 1, "the tick is recorded in the same commit")

        // The same tick again (a redelivery, a duplicate publication): nothing.
        let again = tick("s", due: t0 + 10, store, at: t0 + 10.5)
        #expect(again.step.outputs.isEmpty && again.step.writes.isEmpty)
        // A stale tick (not the one the schedule waits for): nothing.
        let stale = tick("s", due: t0 + 30, store, at: t0 + 30)
        #expect(stale.step.outputs.isEmpty && stale.step.writes.isEmpty)
        // A tick of no schedule: nothing.
        #expect(tick("other", due: t0 + 20, store, at: t0 + 20).step.outputs.isEmpty)

        let second = tick("s", due: t0 + 20, store, at: t0 + 20)
        #expect(second.started.map(\.workflowId) == [id("s", t0 + 20)])
        let listed = request(.list, store, at: t0 + 21).answer?.schedules
        #expect(listed?.map(\.name) == ["s"])
        #expect(listed?.first?.ticks == 2 && listed?.first?.lastTick == t0 + 20)
        #expect(listed?.first?.lastWorkflowId == id("s", t0 + 20))
    }

    @Test func aLateTickStartsOneInstanceForTheLatestDueInstant() throws {
        let store = Store()
        _ = request(.upsert(definition("s", try .every(.seconds(1)))), store, at: t0)
        // No worker for 5.5 s: the tick of t0+1 arrives at t0+6.5.
        let late = tick("s", due: t0 + 1, store, at: t0 + 6.5)
        #expect(late.started.map(\.workflowId) == [id("s", t0 + 6)], "one instance, not a burst")
        #expect(late.ticks.map(\.due) == [t0 + 7])
        // A tick delivered a little early (clocks differ) starts its own instant.
        let early = tick("s", due: t0 + 7, store, at: t0 + 6.9)
        #expect(early.started.map(\.workflowId) == [id("s", t0 + 7)])
        #expect(early.ticks.map(\.due) == [t0 + 8])
    }

    @Test func aPausedScheduleStartsNothingUntilResumed() throws {
        let store = Store()
        _ = request(.upsert(definition("s", try .every(.seconds(1)))), store, at: t0)
        let paused = request(.pause(name: "s"), store, at: t0 + 0.5)
        #expect(paused.answer?.schedules.first?.isPaused == true)
        #expect(paused.answer?.schedules.first?.nextDue == nil)
        let ignored = tick("s", due: t0 + 1, store, at: t0 + 1)
        #expect(ignored.started.isEmpty && ignored.ticks.isEmpty)
        let resumed = request(.resume(name: "s"), store, at: t0 + 3.2)
        #expect(resumed.answer?.schedules.first?.isPaused == false)
        #expect(resumed.ticks.map(\.due) == [t0 + 4], "the ticks missed while paused are not run")
        #expect(tick("s", due: t0 + 4, store, at: t0 + 4).started.map(\.workflowId) == [id("s", t0 + 4)])
        // Unknown names: no schedule in the answer.
        #expect(request(.pause(name: "nope"), store, at: t0 + 5).answer?.schedules.isEmpty == true)
        #expect(request(.resume(name: "nope"), store, at: t0 + 5).answer?.schedules.isEmpty == true)
    }

    @Test func skipStartsThroughTheCustomIdAndAllowStartsDirectly() throws {
        let store = Store()
        _ = request(.upsert(definition("skipper", try .every(.seconds(1)), overlap: .skip, tags: ["t"])), store, at: t0)
        _ = request(
            .upsert(definition("allower", try .every(.seconds(1)), overlap: .allow, tags: ["t"])), store, at: t0)
        let skipped = tick("skipper", due: t0 + 1, store, at: t0 + 1)
        guard case .workflowTag(let envelope) = try #require(skipped.step.outputs.first),
            case .dispatchByCustomId(let dispatch) = envelope.message
        else {
            Issue.record("skip must start through the custom id: \(skipped.step.outputs)")
            return
        }
        #expect(dispatch.tags == ["t", Schedules.customIdTag("skipper")])
        #expect(envelope.message.tag == "customId:schedule:skipper")
        let allowed = tick("allower", due: t0 + 1, store, at: t0 + 1)
        guard case .workflowEngine(let direct) = try #require(allowed.step.outputs.first),
            case .dispatchWorkflow(let started) = direct.message
        else {
            Issue.record("allow must start directly: \(allowed.step.outputs)")
            return
        }
        #expect(started.tags == ["t"] && started.workflowId == id("allower", t0 + 1))
        // A schedule that skips cannot carry a custom id of its own.
        let refused = request(
            .upsert(definition("bad", try .every(.seconds(1)), overlap: .skip, tags: ["customId:x"])), store, at: t0)
        #expect(refused.answer?.refusal != nil && refused.ticks.isEmpty)
    }

    @Test func deleteForgetsTheScheduleAndItsTicks() throws {
        let store = Store()
        _ = request(.upsert(definition("a", try .cron("*/5 * * * *"))), store, at: t0)
        _ = request(.upsert(definition("b", try .every(.seconds(1)))), store, at: t0)
        #expect(request(.list, store, at: t0).answer?.schedules.map(\.name) == ["a", "b"])
        #expect(request(.delete(name: "b"), store, at: t0).answer?.schedules.map(\.name) == ["b"])
        #expect(tick("b", due: t0 + 1, store, at: t0 + 1).step.outputs.isEmpty)
        #expect(request(.list, store, at: t0).answer?.schedules.map(\.name) == ["a"])
        let last = request(.delete(name: "a"), store, at: t0)
        #expect(last.step.writes.map(\.operation) == [.delete] && store.bytes == nil)
        #expect(request(.delete(name: "a"), store, at: t0).answer?.schedules.isEmpty == true)
    }

    @Test func unreadableSchedulesAreRefusedNotOverwritten() throws {
        let store = Store()
        _ = request(.upsert(definition("a", try .every(.seconds(1)))), store, at: t0)
        let damaged: [UInt8] = [0xFF, 0x00, 0x13, 0x37]
        store.bytes = damaged
        for action in [ScheduleAction.upsert(definition("b", try .every(.seconds(1)))), .list, .delete(name: "a")] {
            let outcome = request(action, store, at: t0)
            #expect(outcome.step.writes.isEmpty, "\(action) wrote over the damaged value")
            #expect(outcome.answer?.refusal?.contains("cannot be read") == true, "\(action) was not refused")
        }
        let ticked = tick("a", due: t0 + 1, store, at: t0 + 1)
        #expect(ticked.step.writes.isEmpty && ticked.step.outputs.isEmpty)
        #expect(store.bytes == damaged)
    }

    @Test func replacingAScheduleKeepsOneTickStream() throws {
        let store = Store()
        _ = request(.upsert(definition("s", try .every(.seconds(10)))), store, at: t0)
        let replaced = request(.upsert(definition("s", try .every(.seconds(4)))), store, at: t0 + 1)
        #expect(replaced.ticks.map(\.due) == [t0 + 4])
        // The tick of the replaced timing is stale.
        #expect(tick("s", due: t0 + 10, store, at: t0 + 10).started.isEmpty)
        #expect(tick("s", due: t0 + 4, store, at: t0 + 4).started.map(\.workflowId) == [id("s", t0 + 4)])
    }

    /// The schedule messages and answers survive both codecs (the binary one canonically, JSON to the same value).
    @Test func messagesRoundTripThroughBothCodecs() throws {
        func roundTrip<Value: Codable>(_ value: Value) throws {
            let binary = BinaryPayloadCodec()
            let bytes = try binary.encode(value)
            #expect(try binary.encode(binary.decode(Value.self, from: bytes)) == bytes)
            #expect(try BinaryTreeEncoder.encode(value) == bytes)
            let json = JSONPayloadCodec()
            #expect(try binary.encode(json.decode(Value.self, from: json.encode(value))) == bytes)
        }
        let arguments = try codec.encode("daily")
        let definitions = [
            ScheduleDefinition(
                name: "cron", timing: try .cron("0 2 * * MON-FRI"), overlap: .skip, workflowName: workflowName,
                methodName: "run", arguments: [Payload(arguments)], tags: ["a", "b"], meta: ["m": "1"]),
            definition("interval", try .every(.milliseconds(1500), from: t0 + 0.25)),
        ]
        var messages: [ScheduleOperation] = definitions.map {
            .request(ScheduleRequest(requestId: "r", action: .upsert($0)))
        }
        messages += [ScheduleAction.pause(name: "n"), .resume(name: "n"), .delete(name: "n"), .list].map {
            .request(ScheduleRequest(requestId: "r", action: $0))
        }
        messages.append(.tick(ScheduleTick(name: "n", dueMilliseconds: 1_800_000_000_123)))
        for operation in messages {
            try roundTrip(
                WorkflowTagEnvelope(
                    messageId: "m", emitterName: "e", emittedAt: t0, requester: nil,
                    message: .schedule(ScheduleMessage(workflowName: workflowName, operation: operation))))
        }
        let store = Store()
        for definition in definitions { _ = request(.upsert(definition), store, at: t0) }
        let listed = try #require(request(.list, store, at: t0).answer)
        #expect(listed.schedules.count == 2)
        try roundTrip(
            ClientEnvelope(
                messageId: "m", emitterName: "e", emittedAt: t0, requester: nil, message: .scheduleAnswer(listed)))
        try roundTrip(try #require(store.bytes.map { try codec.decode(ScheduleBook.self, from: $0) }))
    }
}
