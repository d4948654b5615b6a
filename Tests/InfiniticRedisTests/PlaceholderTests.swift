import Testing

@testable import InfiniticRedis

@Test func sha1MatchesRedis() {
    #expect(SHA1.hexDigest("return 1") == "e0e1f9fabfc9d4800c877a703b823ac0578ff8db")
}
