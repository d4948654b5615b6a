import InMemoryTracing
import Infinitic
import InfiniticMetrics
import InfiniticTracing
import InfiniticWorkerCommand
import Testing
import Tracing

/// The worker command traces when the program bootstrapped a tracer, and only then.
@Suite struct WorkerTracingTests {
    @Test func aBootstrappedTracerAddsTheInterceptorFirst() {
        let metrics = MetricsInterceptor()
        let traced = WorkerOptions.withTracing([metrics], tracer: InMemoryTracer())
        #expect(traced.chain.count == 2)
        #expect(traced.chain.first is TracingInterceptor)
        #expect(traced.chain.last is MetricsInterceptor)
        #expect(WorkerOptions.withTracing(traced, tracer: InMemoryTracer()).chain.count == 2, "not twice")
    }

    @Test func noTracerAddsNothing() {
        #expect(WorkerOptions.withTracing([MetricsInterceptor()], tracer: NoOpTracer()).chain.count == 1)
        #expect(WorkerOptions.withTracing([], tracer: NoOpTracer()).isEmpty)
    }
}
