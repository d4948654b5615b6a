import Infinitic
import InfiniticRedis
import TripBooking

/// The services' own record of their side effects, for checking exactly-once claims from outside (the crash
/// tests): each successful call appends `service|method|taskId|workflowId` to a Redis list before it returns,
/// so a worker killed after the effect and before its result was committed leaves the effect logged, and the
/// task's redelivery logs it again under the same task id (what at-least-once allows).
struct EffectLog: Sendable {
    let client: RedisClient
    let key: String

    func record(_ service: String, _ method: String) async throws {
        let context = TaskContext.current
        let entry = [service, method, context?.taskId ?? "-", context?.workflowId ?? "-"].joined(separator: "|")
        try await client.send(RPUSH(key, [Array(entry.utf8)]))
    }
}

/// `Hotels`, logging each booking and cancellation.
struct RecordedHotels: HotelService {
    let inner: Hotels
    let log: EffectLog

    func book(_ trip: Trip) async throws -> Booking {
        let booking = try await inner.book(trip)
        try await log.record("HotelService", "book")
        return booking
    }

    func cancel(_ reference: String) async throws {
        try await inner.cancel(reference)
        try await log.record("HotelService", "cancel")
    }
}

/// `Flights`, logging each booking and cancellation.
struct RecordedFlights: FlightService {
    let inner: Flights
    let log: EffectLog

    func book(_ trip: Trip) async throws -> Booking {
        let booking = try await inner.book(trip)
        try await log.record("FlightService", "book")
        return booking
    }

    func cancel(_ reference: String) async throws {
        try await inner.cancel(reference)
        try await log.record("FlightService", "cancel")
    }
}

/// `Payments`, logging each accepted charge (a declined one has no effect).
struct RecordedPayments: PaymentService {
    let inner: Payments
    let log: EffectLog

    func charge(_ customer: String, _ amount: Int) async throws -> String {
        let receipt = try await inner.charge(customer, amount)
        try await log.record("PaymentService", "charge")
        return receipt
    }
}
