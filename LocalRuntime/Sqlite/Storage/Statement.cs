using Microsoft.Data.Sqlite;

namespace LocalRuntime.Sqlite.Storage;

/// <summary>
/// A prepared command with its parameters, reused for every execution on its connection (SQLite keeps
/// the compiled statement as long as the command text does not change).
/// </summary>
internal sealed class Statement : IDisposable
{
    private readonly SqliteCommand _command;
    private readonly SqliteParameter[] _parameters;

    public Statement(SqliteConnection connection, string sql, params string[] parameterNames)
    {
        _command = connection.CreateCommand();
        _command.CommandText = sql;
        _parameters = new SqliteParameter[parameterNames.Length];
        for (var i = 0; i < parameterNames.Length; i++)
        {
            _parameters[i] = _command.Parameters.Add(new SqliteParameter { ParameterName = parameterNames[i], Value = DBNull.Value });
        }

        _command.Prepare();
    }

    /// <summary>Sets the <paramref name="index"/>th parameter; null binds SQL NULL.</summary>
    public Statement Set(int index, object? value)
    {
        _parameters[index].Value = value ?? DBNull.Value;
        return this;
    }

    public int Execute() => _command.ExecuteNonQuery();

    public object? Scalar()
    {
        var value = _command.ExecuteScalar();
        return value is DBNull ? null : value;
    }

    public SqliteDataReader Query() => _command.ExecuteReader();

    public void Dispose() => _command.Dispose();
}
