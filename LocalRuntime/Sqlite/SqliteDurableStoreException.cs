namespace LocalRuntime.Sqlite;

/// <summary>The SQLite store cannot be used: its file cannot be opened, is not a store, or is too new.</summary>
public sealed class SqliteDurableStoreException : Exception
{
    /// <summary>Creates the exception.</summary>
    public SqliteDurableStoreException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public SqliteDurableStoreException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and its cause.</summary>
    public SqliteDurableStoreException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception for a database file.</summary>
    public SqliteDurableStoreException(string message, string? databasePath, Exception? innerException)
        : base(message, innerException) => DatabasePath = databasePath;

    /// <summary>The full path of the database file concerned, when known.</summary>
    public string? DatabasePath { get; }
}
