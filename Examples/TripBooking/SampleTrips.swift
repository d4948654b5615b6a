/// Deterministic sample trips: the demo, the command line and the tests book the same ones.
public enum SampleTrips {
    static let customers = ["ada", "grace", "linus", "margaret", "ken", "barbara"]
    static let destinations = ["Lisbon", "Kyoto", "Oslo", "Lima", "Cairo", "Hanoi", "Quebec"]

    /// The `index`-th trip: every fifth one costs more than the payment service accepts (compensated).
    public static func trip(_ index: Int) -> Trip {
        Trip(
            customer: customers[index % customers.count], destination: destinations[index % destinations.count],
            nights: 1 + index % 5, price: index % 5 == 4 ? 5_000 : 300 + 100 * (index % 7))
    }

    /// The outcome `trip(index)` must have.
    public static func expectedOutcome(_ index: Int) -> TripResult.Outcome {
        index % 5 == 4 ? .compensated : .booked
    }
}
