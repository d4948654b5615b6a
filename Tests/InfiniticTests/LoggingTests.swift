import Logging
import Testing

@testable import Infinitic
@testable import InfiniticTransport

/// Infinitic logs nothing unless its caller gives it a logger.
@Suite struct LoggingTests {
    @Test func librariesDefaultToANoOpLogger() {
        let environment = RoleEnvironment(transport: InMemoryTransport(), emitterName: "w")
        #expect(environment.logger.handler is SwiftLogNoOpLogHandler)
        #expect(InMemoryTransport().logger.handler is SwiftLogNoOpLogHandler)
    }
}
