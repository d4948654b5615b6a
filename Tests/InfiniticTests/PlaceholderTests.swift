import Testing

@testable import Infinitic

@Test func moduleBuilds() {}
