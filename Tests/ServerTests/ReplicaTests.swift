// `serve --replica-id`: every /metrics series carries the replica label, and /health names the replica.
import Foundation
import GateTestSupport
import Hummingbird
import HummingbirdTesting
import Testing
@testable import Server

@Suite("Replica label") struct ReplicaTests {
    @Test("every sample line of /metrics has replica=\"ID\" and /health reports it; without an id nothing changes")
    func replicaLabel() async throws {
        var configuration = TestServer.configuration()
        configuration.replicaID = "r2"
        let app = Application(
            router: PolygraphServer.buildRouter(service: try TestServer.service(), configuration: configuration))
        try await app.test(.router) { client in
            try await client.execute(uri: "/health", method: .get) { response in
                let health = try response.json()
                #expect(health["replica"] as? String == "r2")
            }
            try await client.execute(uri: "/metrics", method: .get) { response in
                let lines = String(buffer: response.body).split(separator: "\n").filter { !$0.hasPrefix("#") }
                #expect(!lines.isEmpty)
                #expect(lines.allSatisfy { $0.contains(#"replica="r2""#) })
                #expect(
                    lines.contains {
                        $0.hasPrefix(
                            #"polygraph_requests_total{replica="r2",route="/health",method="GET",status="200"} 1"#)
                    })
                #expect(lines.contains { $0.hasPrefix(#"polygraph_queue_depth{replica="r2"} 0"#) })
            }
        }
        let plain = TestServer.app(try TestServer.service())
        try await plain.test(.router) { client in
            try await client.execute(uri: "/health", method: .get) { response in
                let health = try response.json()
                #expect(health["replica"] == nil && health["status"] as? String == "ok")
            }
            try await client.execute(uri: "/metrics", method: .get) {
                #expect(!String(buffer: $0.body).contains("replica="))
            }
        }
    }

    @Test("labelling handles bare names, label sets and empty braces")
    func labelling() {
        let text = "# HELP x y\nx 1\ny{a=\"b\"} 2\nz{} 3\n"
        #expect(
            ServerMetrics.labelled(text, replica: "r1")
                == "# HELP x y\nx{replica=\"r1\"} 1\ny{replica=\"r1\",a=\"b\"} 2\nz{replica=\"r1\"} 3\n")
    }
}
