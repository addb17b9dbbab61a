/// MimicStore is a study's results store: one SQLite database, one row per trial, safe for
/// several processes at once; the only SQLite caller.

import Foundation

/// One SQLite database per study, one row per trial. Every write is a transaction, and the
/// database is in WAL mode with a busy timeout, so several processes (the jobs of one
/// machine, or shards sharing a local disk) can write to it at once.
public final class ResultsStore {
    static let schemaVersion = 1
    static let columns = """
        experiment, trial, spec_file, name, family, role, budget, assignment, point, status, reason,
        run_dir, spec_hash, validation, test, params, epochs, seconds, owner, rungs, complete
        """
    /// What a store written before a column existed reads in its place.
    static let laterColumns = ["owner": "NULL AS owner", "rungs": "NULL AS rungs", "complete": "1 AS complete"]

    private let db: SQLiteConnection
    public let path: String
    /// The column list of reads: `columns`, with stand-ins for columns an old store opened
    /// read-only lacks.
    private let selected: String

    /// Opens the store at `path` for reading only: nothing is created, upgraded or written, so
    /// a dry run, a report or a merge's source leaves the file as it was.
    public init(readingOnly path: String) throws(SQLiteError) {
        self.path = path
        guard FileManager.default.fileExists(atPath: path) else { throw SQLiteError(message: "'\(path)' does not exist") }
        db = try SQLiteConnection(path: path, readOnly: true)
        let present = Set(try db.query("PRAGMA table_info(trials)").compactMap { $0.count > 1 ? $0[1].text : nil })
        guard !present.isEmpty else { throw SQLiteError(message: "'\(path)' is not a results store (no trials table)") }
        if try !db.query("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'meta'").isEmpty {
            try Self.checkSchema(db, path: path)
        }
        selected = Self.columns.split(separator: ",").map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
            .map { present.contains($0) ? $0 : Self.laterColumns[$0] ?? "NULL" }.joined(separator: ", ")
    }

    public init(path: String) throws(SQLiteError) {
        self.path = path
        selected = Self.columns
        db = try SQLiteConnection(path: path)
        do {
            // Switching to WAL needs the database to itself; once switched it stays so, and
            // later openers (other workers, other shards) find it already done.
            if try db.query("PRAGMA journal_mode").first?.first?.text?.lowercased() != "wal" {
                try db.query("PRAGMA journal_mode=WAL")
            }
            try db.transaction {
                try db.query("""
                    CREATE TABLE IF NOT EXISTS trials (
                        experiment TEXT NOT NULL, trial INTEGER NOT NULL, spec_file TEXT NOT NULL,
                        name TEXT NOT NULL, family TEXT NOT NULL, role TEXT NOT NULL, budget INTEGER,
                        assignment TEXT NOT NULL, point TEXT NOT NULL,
                        status TEXT NOT NULL CHECK (status IN ('running', 'done', 'failed')), reason TEXT,
                        run_dir TEXT, spec_hash TEXT, validation REAL, test REAL, params INTEGER,
                        epochs INTEGER, seconds REAL, owner TEXT,
                        updated TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP,
                        PRIMARY KEY (experiment, trial))
                    """)
                // Stores written before trials had owners gain the column (it may stay empty).
                let columns = try db.query("PRAGMA table_info(trials)").compactMap { $0.count > 1 ? $0[1].text : nil }
                if !columns.contains("owner") { try db.query("ALTER TABLE trials ADD COLUMN owner TEXT") }
                // ... and, before multi-fidelity searches, rungs: every trial then ran to its end.
                if !columns.contains("rungs") { try db.query("ALTER TABLE trials ADD COLUMN rungs TEXT") }
                if !columns.contains("complete") {
                    try db.query("ALTER TABLE trials ADD COLUMN complete INTEGER NOT NULL DEFAULT 1")
                }
                try db.query("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
                try Self.checkSchema(db, path: path)
                try db.query("INSERT OR IGNORE INTO meta VALUES ('schema', ?)", [.text("\(Self.schemaVersion)")])
            }
        } catch let error as SQLiteError {
            throw error
        } catch {
            throw SQLiteError(message: "\(error)")
        }
    }

    /// Refuses a store written by a mimicc of another schema.
    private static func checkSchema(_ db: SQLiteConnection, path: String) throws(SQLiteError) {
        let version = try db.query("SELECT value FROM meta WHERE key = 'schema'").first?.first?.text
        if let version, version != "\(schemaVersion)" {
            throw SQLiteError(message: "'\(path)' is a results store of schema \(version); this mimicc reads \(schemaVersion)")
        }
    }

    /// Every trial of one experiment, by index.
    public func trials(experiment: String) throws(SQLiteError) -> [TrialRecord] {
        try db.query("SELECT \(selected) FROM trials WHERE experiment = ? ORDER BY trial", [.text(experiment)])
            .map(Self.record)
    }

    /// Every trial of the study, by experiment and index.
    public func allTrials() throws(SQLiteError) -> [TrialRecord] {
        try db.query("SELECT \(selected) FROM trials ORDER BY experiment, trial").map(Self.record)
    }

    /// Records a new trial as running, unless the trial already has a record (then returns
    /// that one): the claim and the check are one transaction.
    public func claim(_ record: TrialRecord) throws(SQLiteError) -> TrialRecord {
        do {
            return try db.transaction {
                let existing = try db.query("SELECT \(selected) FROM trials WHERE experiment = ? AND trial = ?",
                                            [.text(record.experiment), .int(record.trial)])
                if let row = existing.first { return Self.record(row) }
                try insert(record, or: "ABORT")
                return record
            }
        } catch let error as SQLiteError { throw error } catch { throw SQLiteError(message: "\(error)") }
    }

    /// Writes a trial's outcome (or its run directory while it runs).
    public func update(_ record: TrialRecord) throws(SQLiteError) {
        do { try db.transaction { try insert(record, or: "REPLACE") } } catch let error as SQLiteError { throw error } catch {
            throw SQLiteError(message: "\(error)")
        }
    }

    /// Copies every trial of the store at `other` into this one. A trial present in both
    /// keeps the more finished record (done over failed over running, then the one trained
    /// to a later rung); two finished records of the same rung that disagree are a conflict
    /// and keep this store's. Returns (added, conflicts).
    public func merge(from other: ResultsStore) throws(SQLiteError) -> (added: Int, conflicts: Int) {
        let incoming = try other.allTrials()
        do {
            return try db.transaction {
                var added = 0, conflicts = 0
                for record in incoming {
                    let rows = try db.query("SELECT \(selected) FROM trials WHERE experiment = ? AND trial = ?",
                                            [.text(record.experiment), .int(record.trial)])
                    guard let row = rows.first else {
                        try insert(record, or: "ABORT")
                        added += 1
                        continue
                    }
                    let existing = Self.record(row)
                    if record.isAhead(of: existing) {
                        try insert(record, or: "REPLACE")
                        added += 1
                    } else if existing.status != .running, !existing.isAhead(of: record), existing.portable != record.portable {
                        conflicts += 1
                    }
                }
                return (added, conflicts)
            }
        } catch let error as SQLiteError { throw error } catch { throw SQLiteError(message: "\(error)") }
    }

    private func insert(_ r: TrialRecord, or conflict: String) throws(SQLiteError) {
        func opt<T>(_ v: T?, _ f: (T) -> SQLValue) -> SQLValue { v.map(f) ?? .null }
        let point = "[" + r.point.map { "\($0)" }.joined(separator: ",") + "]"
        try db.query(
            "INSERT OR \(conflict) INTO trials (\(Self.columns)) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [.text(r.experiment), .int(r.trial), .text(r.specFile), .text(r.name), .text(r.family), .text(r.role),
             opt(r.budget, SQLValue.int), .text(r.assignment), .text(point), .text(r.status.rawValue),
             opt(r.reason, SQLValue.text), opt(r.runDirectory, SQLValue.text), opt(r.specHash, SQLValue.text),
             opt(r.validationAccuracy, SQLValue.double), opt(r.testAccuracy, SQLValue.double), opt(r.params, SQLValue.int),
             opt(r.epochs, SQLValue.int), opt(r.seconds, SQLValue.double), opt(r.owner, SQLValue.text),
             r.rungScores.isEmpty ? .null : .text(r.rungScoresJSON), .int(r.complete ? 1 : 0)])
    }

    private static func record(_ row: [SQLValue]) -> TrialRecord {
        let point = (row[8].text ?? "[]").trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
            .split(separator: ",").compactMap { Double($0.trimmingCharacters(in: .whitespaces)) }
        var r = TrialRecord(experiment: row[0].text ?? "", trial: row[1].int ?? 0, specFile: row[2].text ?? "",
                            name: row[3].text ?? "", family: row[4].text ?? "", role: row[5].text ?? "",
                            budget: row[6].int, assignment: row[7].text ?? "{}", point: point)
        r.status = TrialRecord.Status(rawValue: row[9].text ?? "") ?? .running
        r.reason = row[10].text
        r.runDirectory = row[11].text
        r.specHash = row[12].text
        r.validationAccuracy = row[13].double
        r.testAccuracy = row[14].double
        r.params = row[15].int
        r.epochs = row[16].int
        r.seconds = row[17].double
        r.owner = row[18].text
        r.rungScores = TrialRecord.rungScores(json: row[19].text)
        r.complete = (row[20].int ?? 1) != 0
        return r
    }
}
