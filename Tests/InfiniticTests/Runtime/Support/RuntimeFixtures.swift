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
            ServiceDefinition(HotelBookingStub.self, implementation: HotelBookingImpl()),
            ServiceDefinition(FlightBookingStub.self, implementation: FlightBookingImpl()),
            ServiceDefinition(PaymentStub.self, implementation: PaymentImpl()),
            ServiceDefinition(FlakyStub.self, implementation: FlakyImpl(), retryPolicy: quickRetries),
            ServiceDefinition(ProbeStub.self, implementation: ProbeImpl()),
            ServiceDefinition(
                TimingStub.self, implementation: TimingImpl(controls: controls), retryPolicy: quickRetries
            )
            .withExecutionTimeout(timingTimeout, for: "nap")
            .withExecutionTimeout(timingTimeout, for: "stubborn"),
            TracedFixtures.headerProbe,
        ]
    }

    static let ops = WorkflowDefinition(OpsStub.self) { OpsImpl(context: $0) }

    static let waits = WorkflowDefinition(WaitsStub.self) { WaitsImpl(context: $0) }

    static let workflows = [WorkflowFixtures.trips, ops, TracedFixtures.traced, waits]

    /// The workflow task timeout of test workers (a replay takes milliseconds).
    static let workflowTaskTimeout = Duration.seconds(3)
    /// The method timeout of `Ops.holdWithDeadline` for its callers.
    static let methodDeadline = Duration.milliseconds(500)
}
