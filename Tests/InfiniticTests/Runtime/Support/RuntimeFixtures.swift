import Foundation
import Infinitic

/// The services and workflows the runtime tests register: the engine tests' fixtures with short retry delays,
/// plus `Timing`/`Ops` bound to the test's `Controls`.
enum RuntimeFixtures {
    /// Short delays so that retries take tens of milliseconds.
    static let quickRetries = RetryPolicy(minimumSeconds: 0.05, randomFactor: 0, maximumRetries: 3)

    /// The execution timeout of `Timing.nap` and `Timing.stubborn`.
    static let timingTimeout = Duration.seconds(1)

    static func services(_ controls: Controls) -> [ServiceDefinition] {
        [
            ServiceDefinition(
                HotelBookingStub.self, implementation: HotelBookingImpl(), methods: HotelBookingImpl.register),
            ServiceDefinition(FlightBookingStub.self, implementation: FlightBookingImpl()) {
                $0.add("book", FlightBookingImpl.book)
            },
            ServiceDefinition(PaymentStub.self, implementation: PaymentImpl()) { $0.add("charge", PaymentImpl.charge) },
            ServiceDefinition(FlakyStub.self, implementation: FlakyImpl(), retryPolicy: quickRetries) {
                $0.add("attempt", FlakyImpl.attempt)
            },
            ServiceDefinition(ProbeStub.self, implementation: ProbeImpl()) { $0.add("describe", ProbeImpl.describe) },
            ServiceDefinition(
                TimingStub.self, implementation: TimingImpl(controls: controls), retryPolicy: quickRetries
            ) {
                $0.add("nap", TimingImpl.nap)
                $0.add("stubborn", TimingImpl.stubborn)
                $0.add("hold", TimingImpl.hold)
                $0.add("interruptible", TimingImpl.interruptible)
            }
            .withExecutionTimeout(timingTimeout, for: "nap")
            .withExecutionTimeout(timingTimeout, for: "stubborn"),
        ]
    }

    static let ops = WorkflowDefinition(OpsStub.self, factory: { OpsImpl(context: $0) }) {
        $0.add("nap", OpsImpl.nap)
        $0.add("stubborn", OpsImpl.stubborn)
        $0.add("hold", OpsImpl.hold)
        $0.add("interruptible", OpsImpl.interruptible)
        $0.add("holdThenNotes", OpsImpl.holdThenNotes)
        $0.add("note", OpsImpl.note)
        $0.add("readNotes", OpsImpl.readNotes)
        $0.add("touch", OpsImpl.touch)
        $0.add("misbehave", OpsImpl.misbehave)
        $0.add("stall", OpsImpl.stall)
    }

    static let workflows = [WorkflowFixtures.trips, ops]

    /// The workflow task timeout of test workers (a replay takes milliseconds).
    static let workflowTaskTimeout = Duration.seconds(3)
}
