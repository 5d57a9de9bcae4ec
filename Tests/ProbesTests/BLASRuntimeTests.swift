import BLASSupport
import Testing

@Suite("BLAS threads")
struct BLASRuntimeTests {
    @Test("once calls are single-threaded, setting a thread count keeps them so (results cannot change midway)")
    func singleThreadedStays() {
        BLASRuntime.singleThreadedCalls()
        BLASRuntime.setThreads(4)
        #expect(BLASRuntime.threads == 1)
    }
}
