import Foundation
import InfiniticRedis
let s = try await RedisServerProcess.start()
print(s.url, s.processIdentifier ?? -1)
let c = try RedisClient(url: s.url)
print(try await c.send(RedisCommand(["PING"])))
print("stopping")
s.stop()
print("stopped")
c.close()
print("closed")
