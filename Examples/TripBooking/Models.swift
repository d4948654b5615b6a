import Foundation

/// A trip to book: a hotel, a flight and a payment, as one saga.
public struct Trip: Codable, Sendable, Hashable {
    public var customer: String
    public var destination: String
    public var nights: Int
    /// The price the customer agreed to (the payment service declines above its limit).
    public var price: Int

    public init(customer: String, destination: String, nights: Int, price: Int) {
        self.customer = customer
        self.destination = destination
        self.nights = nights
        self.price = price
    }
}

/// A confirmed booking of a hotel or a flight.
public struct Booking: Codable, Sendable, Hashable {
    public var provider: String
    public var reference: String

    public init(provider: String, reference: String) {
        self.provider = provider
        self.reference = reference
    }
}

/// How a trip ended.
public struct TripResult: Codable, Sendable, Hashable, CustomStringConvertible {
    public enum Outcome: String, Codable, Sendable {
        case booked
        /// The payment was declined: the hotel and the flight were cancelled (compensation).
        case compensated
    }

    public var outcome: Outcome
    public var hotel: String
    public var flight: String
    public var receipt: String?
    public var reason: String?

    public init(outcome: Outcome, hotel: String, flight: String, receipt: String? = nil, reason: String? = nil) {
        self.outcome = outcome
        self.hotel = hotel
        self.flight = flight
        self.receipt = receipt
        self.reason = reason
    }

    public var description: String {
        switch outcome {
        case .booked: "booked: hotel \(hotel), flight \(flight), \(receipt ?? "")"
        case .compensated: "compensated (\(reason ?? "?")): hotel \(hotel) and flight \(flight) cancelled"
        }
    }
}

/// The payment service refused the charge. Codable so the workflow can read its fields.
public struct PaymentDeclined: Error, Codable, Sendable, Hashable {
    public var amount: Int
    public var limit: Int
}

/// A provider's system was briefly unavailable (the retry policy takes care of it).
public struct ProviderUnavailable: Error, Codable, Sendable {
    public var provider: String
}
