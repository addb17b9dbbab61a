import CSQLite

/// The one file that calls SQLite: a connection, statements with bound values, and errors
/// that carry SQLite's own message.
public struct SQLiteError: Error, CustomStringConvertible, Sendable {
    public var message: String
    public var description: String { message }
}

/// A value of a column or a bound parameter.
public enum SQLValue: Sendable, Equatable {
    case null
    case int(Int)
    case double(Double)
    case text(String)

    public var int: Int? { if case .int(let v) = self { return v }; return nil }
    public var double: Double? {
        switch self {
        case .double(let v): return v
        case .int(let v): return Double(v)
        default: return nil
        }
    }
    public var text: String? { if case .text(let v) = self { return v }; return nil }
}

// SQLite's SQLITE_TRANSIENT: copy bound text before the call returns.
private let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

final class SQLiteConnection {
    private var handle: OpaquePointer?

    /// Opens (creating if needed) the database at `path`, or with `readOnly` an existing one
    /// without ever writing to it. Other processes may hold it open: a writer waits up to
    /// `busyTimeout` milliseconds for another's transaction to end.
    init(path: String, readOnly: Bool = false, busyTimeout: Int32 = 120_000) throws(SQLiteError) {
        let flags = (readOnly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE) | SQLITE_OPEN_FULLMUTEX
        guard sqlite3_open_v2(path, &handle, flags, nil) == SQLITE_OK else {
            let message = handle.map { String(cString: sqlite3_errmsg($0)) } ?? "out of memory"
            sqlite3_close(handle)
            handle = nil
            throw SQLiteError(message: "cannot open '\(path)': \(message)")
        }
        sqlite3_busy_timeout(handle, busyTimeout)
    }

    deinit { sqlite3_close(handle) }

    private var lastError: SQLiteError { SQLiteError(message: String(cString: sqlite3_errmsg(handle))) }

    /// Runs one statement and returns its rows.
    @discardableResult
    func query(_ sql: String, _ parameters: [SQLValue] = []) throws(SQLiteError) -> [[SQLValue]] {
        var statement: OpaquePointer?
        guard sqlite3_prepare_v2(handle, sql, -1, &statement, nil) == SQLITE_OK else { throw lastError }
        defer { sqlite3_finalize(statement) }
        for (i, value) in parameters.enumerated() {
            let index = Int32(i + 1)
            let status: Int32
            switch value {
            case .null: status = sqlite3_bind_null(statement, index)
            case .int(let v): status = sqlite3_bind_int64(statement, index, Int64(v))
            case .double(let v): status = sqlite3_bind_double(statement, index, v)
            case .text(let v): status = sqlite3_bind_text(statement, index, v, -1, transient)
            }
            guard status == SQLITE_OK else { throw lastError }
        }
        var rows: [[SQLValue]] = []
        while true {
            let status = sqlite3_step(statement)
            if status == SQLITE_DONE { break }
            guard status == SQLITE_ROW else { throw lastError }
            rows.append((0..<sqlite3_column_count(statement)).map { column in
                switch sqlite3_column_type(statement, column) {
                case SQLITE_INTEGER: return .int(Int(sqlite3_column_int64(statement, column)))
                case SQLITE_FLOAT: return .double(sqlite3_column_double(statement, column))
                case SQLITE_TEXT: return .text(String(cString: sqlite3_column_text(statement, column)))
                default: return .null
                }
            })
        }
        return rows
    }

    /// Runs `body` in a write transaction taken at once (BEGIN IMMEDIATE), so two processes
    /// that read-then-write never interleave; rolls back if `body` throws.
    func transaction<T>(_ body: () throws -> T) throws -> T {
        try query("BEGIN IMMEDIATE")
        do {
            let result = try body()
            try query("COMMIT")
            return result
        } catch {
            _ = try? query("ROLLBACK")
            throw error
        }
    }
}
