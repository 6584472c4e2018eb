namespace LocalRuntime.Sqlite;

/// <summary>The SQLite orchestration store cannot be used (the message says why and names the file).</summary>
public sealed class SqliteProviderException : Exception
{
    public SqliteProviderException()
    {
    }

    public SqliteProviderException(string message)
        : base(message)
    {
    }

    public SqliteProviderException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}
