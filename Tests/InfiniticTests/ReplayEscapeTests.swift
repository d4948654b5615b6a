import Foundation
import Infinitic
import Synchronization
import Testing

/// Workflow code that leaves the replay is reported at once, naming what it did, and `context.random` draws the
/// same numbers on every replay.
@Suite(.timeLimit(.minutes(1))) struct ReplayEscapeTests {
    let harness = ReplayHarness(workflows: [EscapesFixtures.definition])

    /// Replays `method` as the first workflow task and returns the escape it failed with.
    private func escape(
        _ method: String, sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> WorkflowEscapeError {
        let output = await harness.replay(harness.history(method), workflowName: "Escapes")
        guard case .workflowTaskFailed(let failure) = output.outcome else {
            Issue.record(
                "\(method): expected a failed workflow task, got \(output.outcome)", sourceLocation: sourceLocation)
            throw CancellationError()
        }
        #expect(failure.methodName == method, sourceLocation: sourceLocation)
        #expect(failure.error.shortTypeName == "WorkflowEscapeError", sourceLocation: sourceLocation)
        #expect(output.newCommands.isEmpty, "nothing the escaped code did is recorded", sourceLocation: sourceLocation)
        // The same with the code parking where it waits (sticky replay): reported alike, nothing stays parked.
        let (parking, parked) = await harness.replayParking(harness.history(method), workflowName: "Escapes")
        #expect(parked == 0, "\(method): an escaped replay is not kept", sourceLocation: sourceLocation)
        guard case .workflowTaskFailed(let parkingFailure) = parking.outcome else {
            Issue.record(
                "\(method), parking: expected a failed workflow task, got \(parking.outcome)",
                sourceLocation: sourceLocation)
            throw CancellationError()
        }
        #expect(parkingFailure.error.shortTypeName == "WorkflowEscapeError", sourceLocation: sourceLocation)
        let parkingError = try parkingFailure.error.decodeProperties(as: WorkflowEscapeError.self)
        let error = try failure.error.decodeProperties(as: WorkflowEscapeError.self)
        #expect(parkingError.kind == error.kind && parkingError.action == error.action, sourceLocation: sourceLocation)
        return error
    }

    @Test func anAsyncLetUsingTheContextIsReported() async throws {
        let error = try await escape("asyncLet")
        #expect(error.kind == .childTask && error.action == "task HotelBooking.book")
        #expect(error.description.contains("async let"))
        #expect(error.workflowName == "Escapes" && error.methodName == "asyncLet")
    }

    @Test func aTaskGroupUsingTheContextIsReported() async throws {
        let error = try await escape("taskGroup")
        #expect(error.kind == .childTask && error.action == "task HotelBooking.book")
    }

    @Test func aChildTaskTouchingAPropertyIsReported() async throws {
        let error = try await escape("childProperty")
        #expect(error.kind == .childTask && error.action == "property visits")
    }

    @Test func anUnstructuredTaskUsingTheContextIsReported() async throws {
        let error = try await escape("unstructured")
        #expect(error.kind == .unstructuredTask && error.action == "task HotelBooking.book")
        #expect(error.description.contains("Task {}"))
        let detached = try await escape("detached")
        #expect(detached.kind == .unstructuredTask && detached.action == "now")
    }

    @Test func aSleepIsReportedAtOnce() async throws {
        let started = ContinuousClock.now
        let error = try await escape("sleep")
        #expect(error.kind == .suspension && error.action == nil)
        #expect(error.description.contains("Task.sleep"))
        #expect(started.duration(to: .now) < .seconds(10), "not after the 60 s the code asked for")
    }

    @Test func awaitingAChildThatNeverTouchesTheContextIsASuspension() async throws {
        let error = try await escape("pureAsyncLet")
        #expect(error.kind == .suspension)
    }

    @Test func randomNumbersAreTheSameOnEveryReplay() async throws {
        let history = harness.history("dice")
        let first = await harness.replay(history, workflowName: "Escapes")
        let again = await harness.replay(history, workflowName: "Escapes")
        let early = try #require(first.properties["early"])
        let draws = try harness.codec.value([Int].self, from: early)
        #expect(draws.count == 3 && Set(draws).count == 3, "successive draws differ")
        #expect(again.properties["early"] == early, "a replay draws the same numbers")
        let uuid = try harness.codec.value(UUID.self, from: try #require(first.properties["uuid"]))
        #expect(again.properties["uuid"] == first.properties["uuid"])
        #expect(uuid.uuidString.lowercased().dropFirst(14).first == "4", "a version 4 UUID")

        var elsewhere = harness
        elsewhere.workflowId = "wf-2"
        elsewhere.methodId = "wf-2"
        let other = await elsewhere.replay(elsewhere.history("dice"), workflowName: "Escapes")
        #expect(other.properties["early"] != early, "another instance draws other numbers")

        // After the booking (a command and its step), the draws start from the new position: the numbers drawn
        // before it are unchanged.
        let codec = harness.codec
        let command = try #require(first.newCommands.first)
        var resumed = history
        resumed.commands = [
            harness.taskCommand(
                command.id, position: 1, service: "HotelBooking", method: "book",
                status: .completed(try codec.payload(BookingResult(provider: "hotel", reference: "H"))),
                createdAt: 1, resolvedAt: 2)
        ]
        resumed.pastSteps = [
            PastStep(
                position: 2, step: .command(command.id),
                resumption: Resumption(taskIndex: 2, instant: harness.instant(2), properties: first.properties))
        ]
        let second = await harness.replay(resumed, taskIndex: 2, workflowName: "Escapes")
        let all = try #require(try harness.decode([Int].self, second.outcome))
        #expect(Array(all.prefix(3)) == draws)
        #expect(all.count == 4 && !draws.contains(all[3]))
    }
}

/// Workflow code that escapes its replay, one way per method, and one that draws random numbers.
@Workflow protocol Escapes: Sendable {
    func asyncLet() async throws -> String
    func taskGroup() async throws -> [String]
    func childProperty() async throws -> Int
    func unstructured() async throws -> String
    func detached() async throws -> String
    func sleep() async throws -> String
    func pureAsyncLet() async throws -> Int
    func dice() async throws -> [Int]
}

struct EscapesImpl: Escapes {
    let context: WorkflowContext
    @WorkflowProperty("visits") var visits = 0
    @WorkflowProperty("early") var early: [Int] = []
    @WorkflowProperty("uuid") var uuid = UUID(uuidString: "00000000-0000-0000-0000-000000000000")!

    var hotels: HotelBookingStub { context.service() }

    func asyncLet() async throws -> String {
        async let booking = hotels.book(BookingRequest(guest: "al"))
        return try await booking.reference
    }

    func taskGroup() async throws -> [String] {
        let hotels = self.hotels
        return try await withThrowingTaskGroup(of: String.self) { group in
            for guest in ["a", "b"] {
                group.addTask { try await hotels.book(BookingRequest(guest: guest)).reference }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
    }

    func childProperty() async throws -> Int {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { visits += 1 }
        }
        return visits
    }

    func unstructured() async throws -> String {
        let hotels = self.hotels
        try await Self.waitWithoutSuspending { done in
            Task {
                _ = try? await hotels.book(BookingRequest(guest: "u"))
                done()
            }
        }
        return "done"
    }

    func detached() async throws -> String {
        let context = self.context
        try await Self.waitWithoutSuspending { done in
            Task.detached {
                _ = context.now
                done()
            }
        }
        return "done"
    }

    func sleep() async throws -> String {
        try await Task.sleep(for: .seconds(60))
        return "woke up"
    }

    func pureAsyncLet() async throws -> Int {
        async let answer = { 6 * 7 }()
        return await answer
    }

    func dice() async throws -> [Int] {
        var random = context.random
        early = (0..<3).map { _ in Int.random(in: 0..<1_000_000_000, using: &random) }
        uuid = random.uuid()
        _ = try await hotels.book(BookingRequest(guest: "dice"))
        return early + [Int.random(in: 0..<1_000_000_000, using: &random)]
    }

    /// Starts what `start` starts and blocks (never suspending, as a busy replay would) until it calls `done`, or
    /// for 30 s at most: what it started needs another thread of the cooperative pool, which has two on two cores;
    /// if another test holds that one, giving up fails this test instead of hanging the whole suite.
    private static func waitWithoutSuspending(_ start: (@escaping @Sendable () -> Void) -> Void) async throws {
        let flag = Flag()
        start { flag.raise() }
        let deadline = ContinuousClock.now + .seconds(30)
        while !flag.isRaised, ContinuousClock.now < deadline { usleep(100) }
    }

    private final class Flag: Sendable {
        private let raised = Atomic<Bool>(false)
        func raise() { raised.store(true, ordering: .releasing) }
        var isRaised: Bool { raised.load(ordering: .acquiring) }
    }
}

enum EscapesFixtures {
    static let definition = WorkflowDefinition(EscapesStub.self) { EscapesImpl(context: $0) }
}
