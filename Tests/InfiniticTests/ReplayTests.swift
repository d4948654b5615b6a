import Foundation
import Infinitic
import Testing

/// The workflow executor's replay, on hand-built histories.
@Suite struct ReplayTests {
    let harness = ReplayHarness()

    @Test func firstWorkflowTaskRecordsTheCommandAndWaitsOnIt() async throws {
        let output = await harness.replay(harness.history("sequential", try harness.codec.arguments("ada")))
        #expect(output.newCommands.count == 1)
        let command = try #require(output.newCommands.first)
        #expect(command.position == 1 && command.descriptor.description == "task HotelBooking.book")
        #expect(
            command.id
                == StableId.command(workflowId: "wf-1", methodId: "wf-1", position: 1, workflowTaskIndex: 1))
        #expect(output.outcome == .waiting(WaitingStep(position: 2, step: .command(command.id))))
    }

    @Test func commandIdsAreDeterministic() async throws {
        let history = harness.history("parallelAnd", try harness.codec.arguments("bob"))
        let first = await harness.replay(history)
        let second = await harness.replay(history)
        #expect(first.newCommands.map(\.id) == second.newCommands.map(\.id))
        #expect(Set(first.newCommands.map(\.id)).count == 3, "one id per position")
        let a = StableId.command(workflowId: "w", methodId: "m", position: 1, workflowTaskIndex: 1)
        #expect(a == StableId.command(workflowId: "w", methodId: "m", position: 1, workflowTaskIndex: 1))
        #expect(a != StableId.command(workflowId: "w", methodId: "m", position: 2, workflowTaskIndex: 1))
        #expect(a != StableId.command(workflowId: "w", methodId: "m", position: 1, workflowTaskIndex: 2))
        #expect(a != StableId.command(workflowId: "w", methodId: "n", position: 1, workflowTaskIndex: 1))
        #expect(UUID(uuidString: a) != nil)
    }

    @Test func sequentialTasksReplayUpToTheirEnd() async throws {
        let codec = harness.codec
        let hotel = BookingResult(provider: "hotel", reference: "H")
        let flight = BookingResult(provider: "flight", reference: "F")
        var history = harness.history("sequential", try codec.arguments("ada"))
        history.commands = [
            harness.taskCommand(
                "c1", position: 1, service: "HotelBooking", method: "book",
                status: .completed(try codec.payload(hotel)),
                createdAt: 1, resolvedAt: 2)
        ]
        history.pastSteps = [
            PastStep(
                position: 2, step: .command("c1"),
                resumption: Resumption(taskIndex: 2, instant: harness.instant(2), properties: [:]))
        ]
        let second = await harness.replay(history, taskIndex: 2)
        #expect(second.newCommands.map(\.position) == [3])
        #expect(second.newCommands.first?.descriptor.description == "task FlightBooking.book")
        let flightId = try #require(second.newCommands.first?.id)
        #expect(second.outcome == .waiting(WaitingStep(position: 4, step: .command(flightId))))

        history.commands.append(
            harness.taskCommand(
                flightId, position: 3, service: "FlightBooking", method: "book",
                status: .completed(try codec.payload(flight)), createdAt: 2, resolvedAt: 3, sequence: 2))
        history.pastSteps.append(
            PastStep(
                position: 4, step: .command(flightId),
                resumption: Resumption(taskIndex: 3, instant: harness.instant(3), properties: [:])))
        let third = await harness.replay(history, taskIndex: 3)
        #expect(third.newCommands.isEmpty)
        #expect(try harness.decode([BookingResult].self, third.outcome) == [hotel, flight])
    }

    @Test func orGivesTheFirstToCompleteAndAndTheDeclarationOrder() async throws {
        let codec = harness.codec
        var history = harness.history("parallelOr", try codec.arguments("cy"))
        let first = await harness.replay(history)
        let ids = first.newCommands.map(\.id)
        #expect(first.outcome == .waiting(WaitingStep(position: 3, step: .any([.command(ids[0]), .command(ids[1])]))))
        history.commands = [
            harness.taskCommand(
                ids[0], position: 1, service: "HotelBooking", method: "book",
                status: .completed(try codec.payload(BookingResult(provider: "hotel", reference: "H"))), resolvedAt: 2,
                sequence: 2),
            harness.taskCommand(
                ids[1], position: 2, service: "FlightBooking", method: "book",
                status: .completed(try codec.payload(BookingResult(provider: "flight", reference: "F"))),
                resolvedAt: 2, sequence: 1),
        ]
        history.pastSteps = [
            PastStep(
                position: 3, step: .any([.command(ids[0]), .command(ids[1])]),
                resumption: Resumption(taskIndex: 2, instant: harness.instant(2), properties: [:]))
        ]
        #expect(try harness.decode(String.self, await harness.replay(history, taskIndex: 2).outcome) == "F")
    }

    @Test func andFailsWithTheFirstFailure() async throws {
        let codec = harness.codec
        var history = harness.history("parallelAnd", try codec.arguments("bob"))
        let ids = await harness.replay(history).newCommands.map(\.id)
        let failure = TaskFailedError(
            serviceName: "FlightBooking", methodName: "book", taskId: ids[1],
            lastFailure: TaskFailure(
                workerName: "w", error: ErrorDescription(typeName: "Full", message: "no seat"), retryIndex: 0,
                retrySequence: 0, secondsBeforeRetry: nil, previous: nil))
        history.commands = [
            harness.taskCommand(ids[0], position: 1, service: "HotelBooking", method: "book"),
            harness.taskCommand(
                ids[1], position: 2, service: "FlightBooking", method: "book", status: .failed(.taskFailed(failure)),
                resolvedAt: 2),
            harness.taskCommand(ids[2], position: 3, service: "HotelBooking", method: "book"),
        ]
        history.pastSteps = [
            PastStep(
                position: 4, step: .all([.command(ids[0]), .command(ids[1])]),
                resumption: Resumption(taskIndex: 2, instant: harness.instant(2), properties: [:]))
        ]
        let output = await harness.replay(history, taskIndex: 2)
        #expect(output.outcome == .threw(.taskFailed(failure)), "uncaught, the task failure fails the method")
    }

    @Test func simpleModeDetectsAChangedCommand() async throws {
        var history = harness.history("sequential", try harness.codec.arguments("ada"))
        history.commands = [harness.taskCommand("c1", position: 1, service: "FlightBooking", method: "book")]
        history.currentStep = nil
        history.pastSteps = [
            PastStep(
                position: 2, step: .command("c1"),
                resumption: Resumption(taskIndex: 2, instant: harness.instant(2), properties: [:]))
        ]
        let output = await harness.replay(history, taskIndex: 2)
        let changed = try #require(try harness.changedError(output.outcome))
        #expect(changed.position == 1)
        #expect(changed.recorded == "task FlightBooking.book" && changed.current == "task HotelBooking.book")
        #expect(changed.workflowName == "Trips" && changed.methodName == "sequential")
        #expect(output.newCommands.isEmpty, "a failed workflow task dispatches nothing")
    }

    @Test func strictModeAlsoComparesArguments() async throws {
        let codec = harness.codec
        var history = harness.history("sequential", try codec.arguments("ada"))
        let recordedArguments = [try codec.payload(BookingRequest(guest: "someone else", nights: 2))]
        history.commands = [
            harness.taskCommand(
                "c1", position: 1, service: "HotelBooking", method: "book", arguments: recordedArguments,
                status: .completed(try codec.payload(BookingResult(provider: "hotel", reference: "H"))), resolvedAt: 2)
        ]
        history.pastSteps = [
            PastStep(
                position: 2, step: .command("c1"),
                resumption: Resumption(taskIndex: 2, instant: harness.instant(2), properties: [:]))
        ]
        // In simple mode the names match: replay goes on to the flight booking.
        let simple = await harness.replay(history, taskIndex: 2)
        guard case .waiting(let step) = simple.outcome else {
            Issue.record("expected the method to wait on the flight, got \(simple.outcome)")
            return
        }
        #expect(step.position == 4)

        var strict = harness
        strict.checkMode = .strict
        let output = await strict.replay(history, taskIndex: 2)
        let changed = try #require(try strict.changedError(output.outcome))
        #expect(changed.position == 1 && changed.recorded == "task HotelBooking.book")
    }

    @Test func aMethodEndingBeforeItsHistoryIsAChange() async throws {
        var history = harness.history("readNotes")
        history.commands = [harness.taskCommand("c1", position: 1, service: "HotelBooking", method: "book")]
        let output = await harness.replay(history, taskIndex: 2)
        let changed = try #require(try harness.changedError(output.outcome))
        #expect(changed.recorded == "task HotelBooking.book" && changed.current == "the method returns")
    }

    @Test func inlineReplaysReturnTheRecordedValue() async throws {
        let codec = harness.codec
        let first = await harness.replay(harness.history("inlineValues"))
        let inline = try #require(first.newCommands.first)
        #expect(inline.descriptor.kind == .inline && inline.status.isTerminated)
        guard case .completed(let recordedValue) = inline.status else {
            Issue.record("inline not completed")
            return
        }
        var history = harness.history("inlineValues")
        history.commands = [
            inline,
            harness.taskCommand(
                "c2", position: 2, service: "HotelBooking", method: "book",
                status: .completed(try codec.payload(BookingResult(provider: "hotel", reference: "H"))), resolvedAt: 2),
        ]
        history.pastSteps = [
            PastStep(
                position: 3, step: .command("c2"),
                resumption: Resumption(taskIndex: 2, instant: harness.instant(2), properties: [:]))
        ]
        let second = await harness.replay(history, taskIndex: 2)
        let values = try #require(try harness.decode([String].self, second.outcome))
        #expect(
            values[0] == (try codec.value(String.self, from: recordedValue)), "the first run's value, not a new one")
        #expect(second.newCommands.map(\.position) == [4], "the inline after the await is new")
    }

    @Test func propertiesAreRestoredFromTheStepSnapshot() async throws {
        let codec = harness.codec
        let first = await harness.replay(harness.history("counter"), workflowName: "Sneaky")
        #expect(first.properties["count"] == (try codec.payload(1)))
        let commandId = try #require(first.newCommands.first?.id)

        var history = harness.history("counter")
        history.commands = [
            harness.taskCommand(
                commandId, position: 1, service: "HotelBooking", method: "book",
                status: .completed(try codec.payload(BookingResult(provider: "hotel", reference: "H"))), resolvedAt: 2)
        ]
        // Meanwhile another method set the count to 5: the step's snapshot carries it.
        history.pastSteps = [
            PastStep(
                position: 2, step: .command(commandId),
                resumption: Resumption(
                    taskIndex: 2, instant: harness.instant(2), properties: ["count": try codec.payload(5)]))
        ]
        let second = await harness.replay(history, taskIndex: 2, workflowName: "Sneaky")
        #expect(try harness.decode(Int.self, second.outcome) == 15)
        #expect(second.properties["count"] == (try codec.payload(15)))
    }

    @Test func codeSwallowingTheSuspensionChangesNothing() async throws {
        let output = await harness.replay(harness.history("swallow"), workflowName: "Sneaky")
        guard case .waiting(let step) = output.outcome else {
            Issue.record("expected the method to wait, got \(output.outcome)")
            return
        }
        #expect(step.position == 2)
        #expect(output.newCommands.count == 1, "the flight call after the sealed await is ignored")
    }

    @Test func misuseOfTheContextFailsTheWorkflowTask() async throws {
        for method in ["emptyDispatch", "nestedInline"] {
            let output = await harness.replay(harness.history(method), workflowName: "Sneaky")
            guard case .workflowTaskFailed(let failure) = output.outcome else {
                Issue.record("\(method): expected a failed workflow task, got \(output.outcome)")
                continue
            }
            #expect(failure.error.shortTypeName == "WorkflowUsageError", "\(method): \(failure.error)")
        }
        let unknown = await harness.replay(harness.history("noSuchMethod"))
        guard case .workflowTaskFailed(let failure) = unknown.outcome else {
            Issue.record("expected a failed workflow task, got \(unknown.outcome)")
            return
        }
        #expect(failure.error.shortTypeName == "InvocationError")
        // A workflow this worker does not know fails its workflow task with an invocation error, not as a change.
        let unregistered = await harness.replay(harness.history("run"), workflowName: "NotRegistered")
        guard case .workflowTaskFailed(let notRegistered) = unregistered.outcome else {
            Issue.record("expected a failed workflow task, got \(unregistered.outcome)")
            return
        }
        #expect(notRegistered.error.shortTypeName == "InvocationError", "\(notRegistered.error)")
        #expect(notRegistered.error.message.contains("NotRegistered"), "\(notRegistered.error)")
        #expect(try harness.changedError(unregistered.outcome) == nil)
    }

    @Test func newCommandsAreDispatchedWithTheResult() async throws {
        let (_, outbound) = await harness.replayAll(
            harness.history("withNote", try harness.codec.arguments("dee")))
        #expect(outbound.count == 2)
        guard case .workflowEngine(let result) = outbound[0], case .workflowTaskCompleted = result.message,
            case .workflowEngine(let dispatch) = outbound[1], case .dispatchMethod(let method) = dispatch.message
        else {
            Issue.record("expected the result then the method dispatch, got \(outbound)")
            return
        }
        #expect(method.workflowId == "wf-1" && method.methodName == "addNote")
        #expect(dispatch.requester == .workflow(name: "Trips", id: "wf-1", methodId: "wf-1"))
    }
}
