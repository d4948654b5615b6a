import Logging
import Testing

@testable import Infinitic

/// Infinitic logs nothing unless its caller gives it a logger.
@Suite struct LoggingTests {
    @Test func librariesDefaultToANoOpLogger() {
        let environment = RoleEnvironment(transport: InMemoryTransport(), emitterName: "w")
        #expect(environment.logger.handler is SwiftLogNoOpLogHandler)
        #expect(Logger.disabled("x").handler is SwiftLogNoOpLogHandler)
        #expect(LogKeys.workflowId == "workflowId")
    }
}
