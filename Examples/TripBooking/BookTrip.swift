import Foundation
import Infinitic

/// The trip-booking saga: book the hotel and the flight in parallel, then charge; if the payment is
/// declined, cancel both bookings (compensation). `progress()` can be called on a running instance.
/// `@Workflow` generates `BookTripStub`, which clients call and workers register implementations with.
@Workflow public protocol BookTrip: Sendable {
    func run(_ trip: Trip) async throws -> TripResult
    func progress() async throws -> String
}

/// Deterministic workflow code: it talks to the world only through `context` and is replayed from its
/// history at every step.
public struct BookTripWorkflow: BookTrip, WorkflowImplementation {
    let context: WorkflowContext
    /// Persisted with the workflow, shared by its methods.
    @WorkflowProperty("step") var step = "started"

    public init(context: WorkflowContext) {
        self.context = context
    }

    public func run(_ trip: Trip) async throws -> TripResult {
        let hotels = context.service(HotelServiceStub.self, tags: ["customer:\(trip.customer)"])
        let flights = context.service(FlightServiceStub.self)
        let payments = context.service(PaymentServiceStub.self)

        step = "booking hotel and flight"
        let hotel = try await context.dispatch { try await hotels.book(trip) }
        let flight = try await context.dispatch { try await flights.book(trip) }
        let (hotelBooking, flightBooking) = try await context.all(hotel, flight).value

        step = "charging"
        do {
            let receipt = try await payments.charge(trip.customer, trip.price)
            step = "booked"
            return TripResult(
                outcome: .booked, hotel: hotelBooking.reference, flight: flightBooking.reference, receipt: receipt)
        } catch let error as TaskFailedError {
            step = "compensating"
            let declined = try? error.lastFailure.error.decodeProperties(as: PaymentDeclined.self)
            let cancelHotel = try await context.dispatch { try await hotels.cancel(hotelBooking.reference) }
            let cancelFlight = try await context.dispatch { try await flights.cancel(flightBooking.reference) }
            _ = try await context.all(cancelHotel, cancelFlight).value
            step = "compensated"
            return TripResult(
                outcome: .compensated, hotel: hotelBooking.reference, flight: flightBooking.reference,
                reason: declined.map { "payment of \($0.amount) EUR declined, limit \($0.limit)" }
                    ?? error.lastFailure.error.message)
        }
    }

    public func progress() async throws -> String {
        step
    }
}

/// Everything a worker registers to run this example.
public enum TripBookingApp {
    public static func services(
        hotels: some HotelService = Hotels(), flights: some FlightService = Flights(),
        payments: some PaymentService = Payments()
    )
        -> [ServiceDefinition]
    {
        [
            ServiceDefinition(
                HotelServiceStub.self, implementation: hotels,
                retryPolicy: RetryPolicy(minimumSeconds: 0.05, maximumRetries: 3)),
            ServiceDefinition(FlightServiceStub.self, implementation: flights),
            ServiceDefinition(
                PaymentServiceStub.self, implementation: payments,
                retryPolicy: RetryPolicy(minimumSeconds: 0.05, maximumRetries: 2).notRetrying(PaymentDeclined.self)),
        ]
    }

    public static var workflows: [WorkflowDefinition] {
        [WorkflowDefinition(BookTripStub.self, implementation: BookTripWorkflow.self)]
    }
}
