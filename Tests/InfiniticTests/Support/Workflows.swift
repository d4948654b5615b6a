import Foundation
import Infinitic

/// One workflow contract with a method per scenario under test.
protocol Trips: Sendable {
    func sequential(_ guest: String) async throws -> [BookingResult]
    func parallelAnd(_ guest: String) async throws -> [String]
    func parallelOr(_ guest: String) async throws -> String
    func withNote(_ guest: String) async throws -> [String]
    func addNote(_ note: String) async throws -> Int
    func readNotes() async throws -> [String]
    func inlineValues() async throws -> [String]
    func chargeCaught(_ amount: Int) async throws -> String
    func chargeUncaught(_ amount: Int) async throws -> String
    func flaky() async throws -> String
    func probe() async throws -> String
    func fireAndForget(_ guest: String) async throws -> String
    func statuses(_ guest: String) async throws -> [String]
    func noteOn(_ workflowId: String) async throws -> String
}

/// What a `@Workflow` macro would generate.
struct TripsStub: Trips, WorkflowStub {
    typealias Contract = any Trips
    typealias Implementation = any Trips
    typealias ImplementationType = any (Trips & WorkflowImplementation).Type
    let invoker: StubInvoker
    init(invoker: StubInvoker) { self.invoker = invoker }
    func sequential(_ guest: String) async throws -> [BookingResult] { try await invoker.call("sequential", guest) }
    func parallelAnd(_ guest: String) async throws -> [String] { try await invoker.call("parallelAnd", guest) }
    func parallelOr(_ guest: String) async throws -> String { try await invoker.call("parallelOr", guest) }
    func withNote(_ guest: String) async throws -> [String] { try await invoker.call("withNote", guest) }
    func addNote(_ note: String) async throws -> Int { try await invoker.call("addNote", note) }
    func readNotes() async throws -> [String] { try await invoker.call("readNotes") }
    func inlineValues() async throws -> [String] { try await invoker.call("inlineValues") }
    func chargeCaught(_ amount: Int) async throws -> String { try await invoker.call("chargeCaught", amount) }
    func chargeUncaught(_ amount: Int) async throws -> String { try await invoker.call("chargeUncaught", amount) }
    func flaky() async throws -> String { try await invoker.call("flaky") }
    func probe() async throws -> String { try await invoker.call("probe") }
    func fireAndForget(_ guest: String) async throws -> String { try await invoker.call("fireAndForget", guest) }
    func statuses(_ guest: String) async throws -> [String] { try await invoker.call("statuses", guest) }
    func noteOn(_ workflowId: String) async throws -> String { try await invoker.call("noteOn", workflowId) }
    static func register(_ table: inout MethodTable<Implementation>) {
        table.add("sequential") { $0.sequential(_:) }
        table.add("parallelAnd") { $0.parallelAnd(_:) }
        table.add("parallelOr") { $0.parallelOr(_:) }
        table.add("withNote") { $0.withNote(_:) }
        table.add("addNote") { $0.addNote(_:) }
        table.add("readNotes") { $0.readNotes }
        table.add("inlineValues") { $0.inlineValues }
        table.add("chargeCaught") { $0.chargeCaught(_:) }
        table.add("chargeUncaught") { $0.chargeUncaught(_:) }
        table.add("flaky") { $0.flaky }
        table.add("probe") { $0.probe }
        table.add("fireAndForget") { $0.fireAndForget(_:) }
        table.add("statuses") { $0.statuses(_:) }
        table.add("noteOn") { $0.noteOn(_:) }
    }
    static func make(_ type: ImplementationType, context: WorkflowContext) -> Implementation {
        type.init(context: context)
    }
}

struct TripsImpl: Trips {
    let context: WorkflowContext
    @WorkflowProperty("notes") var notes: [String] = []

    var hotel: HotelBookingStub { context.service(HotelBookingStub.self) }
    var flight: FlightBookingStub { context.service() }

    func sequential(_ guest: String) async throws -> [BookingResult] {
        let hotelResult = try await hotel.book(BookingRequest(guest: guest, nights: 2))
        let flightResult = try await flight.book(BookingRequest(guest: guest))
        return [hotelResult, flightResult]
    }

    func parallelAnd(_ guest: String) async throws -> [String] {
        let hotelBooking = try await context.dispatch { try await hotel.book(BookingRequest(guest: guest)) }
        let flightBooking = try await context.dispatch { try await flight.book(BookingRequest(guest: guest)) }
        let other = try await context.dispatch { try await hotel.book(BookingRequest(guest: guest, nights: 3)) }
        let (h, f) = try await context.all(hotelBooking, flightBooking).value
        let both = try await hotelBooking.and(other).value
        return [h.reference, f.reference] + both.map(\.reference)
    }

    func parallelOr(_ guest: String) async throws -> String {
        let hotelBooking = try await context.dispatch { try await hotel.book(BookingRequest(guest: guest)) }
        let flightBooking = try await context.dispatch { try await flight.book(BookingRequest(guest: guest)) }
        return try await hotelBooking.or(flightBooking).value.reference
    }

    func withNote(_ guest: String) async throws -> [String] {
        notes.append("start")
        let count = try await context.thisWorkflow(TripsStub.self).addNote("note of \(guest)")
        let booking = try await hotel.book(BookingRequest(guest: guest))
        return notes + [booking.reference, "count \(count)"]
    }

    func addNote(_ note: String) async throws -> Int {
        notes.append(note)
        return notes.count
    }

    func readNotes() async throws -> [String] {
        notes
    }

    func inlineValues() async throws -> [String] {
        let before = try context.inline { UUID().uuidString }
        _ = try await hotel.book(BookingRequest(guest: "inline"))
        let after = try context.inline { UUID().uuidString }
        return [before, after]
    }

    func chargeCaught(_ amount: Int) async throws -> String {
        do {
            return try await context.service(PaymentStub.self).charge(amount, "EUR")
        } catch let error as TaskFailedError {
            let declined = try error.lastFailure.error.decodeProperties(as: PaymentDeclined.self)
            return "declined \(declined.amount): \(declined.reason) (\(error.serviceName).\(error.methodName))"
        }
    }

    func chargeUncaught(_ amount: Int) async throws -> String {
        try await context.service(PaymentStub.self).charge(amount, "EUR")
    }

    func flaky() async throws -> String {
        try await context.service(FlakyStub.self).attempt("flaky")
    }

    func probe() async throws -> String {
        try await context.service(ProbeStub.self, tags: ["probe-tag"], meta: ["origin": "trips"]).describe()
    }

    func fireAndForget(_ guest: String) async throws -> String {
        _ = try await context.dispatch { try await hotel.book(BookingRequest(guest: guest)) }
        let cancellation: Deferred<Void> = try await context.dispatch { try await hotel.cancel("H-\(guest)") }
        _ = cancellation.id
        return "dispatched"
    }

    /// Adds a note on another instance, by id.
    func noteOn(_ workflowId: String) async throws -> String {
        do {
            let count = try await context.workflow(TripsStub.self, id: workflowId).addNote("from \(context.workflowId)")
            return "\(count) notes"
        } catch let error as WorkflowUnknownError {
            return "unknown \(error.workflowId)"
        }
    }

    func statuses(_ guest: String) async throws -> [String] {
        let hotelBooking = try await context.dispatch { try await hotel.book(BookingRequest(guest: guest)) }
        let before = hotelBooking.status
        _ = try await flight.book(BookingRequest(guest: guest))
        let after = hotelBooking.status
        _ = try await hotelBooking.value
        return [before.rawValue, after.rawValue, hotelBooking.status.rawValue]
    }
}

enum WorkflowFixtures {
    static let trips = WorkflowDefinition(TripsStub.self) { TripsImpl(context: $0) }
}
