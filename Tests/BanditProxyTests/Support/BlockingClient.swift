import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A client as simple scripts and many libraries are: it writes its whole request with
/// blocking sends, and only then reads the answer. If the server resets the connection
/// meanwhile, the send fails or the answer is lost: what such a client sees is returned.
enum BlockingClient {
    static func exchange(port: Int, send request: [UInt8]) async -> String {
        await inBackgroundThread {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            guard fd >= 0 else { return "socket failed" }
            defer { close(fd) }
            var timeout = timeval(tv_sec: 30, tv_usec: 0)
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = in_port_t(UInt16(port).bigEndian)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            let connected = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
            guard connected == 0 else { return "connect failed" }
            var sent = 0
            while sent < request.count {
                let n = request[sent...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                guard n > 0 else { return "send failed: errno \(errno)" }
                sent += n
            }
            var answer: [UInt8] = []
            var buffer = [UInt8](repeating: 0, count: 65536)
            while true {
                let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
                if n > 0 {
                    answer += buffer[0..<n]
                } else {
                    if n < 0 { answer += Array(" [recv failed: errno \(errno)]".utf8) }
                    break
                }
            }
            return String(decoding: answer, as: UTF8.self)
        }
    }

    private static func inBackgroundThread(_ work: @escaping @Sendable () -> String) async -> String {
        await withCheckedContinuation { continuation in
            Thread { continuation.resume(returning: work()) }.start()
        }
    }
}
