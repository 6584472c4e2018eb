namespace Microsoft.DurableTask.Entities;

/// <summary>Identifies one durable entity: its name (lower-cased, as Durable does) and key.</summary>
public readonly record struct EntityInstanceId
{
    /// <summary>Creates an entity id.</summary>
    public EntityInstanceId(string name, string key)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(key);
        if (name.Contains('@', StringComparison.Ordinal))
        {
            throw new ArgumentException("Entity names may not contain '@'.", nameof(name));
        }

        Name = name.ToLowerInvariant();
        Key = key;
    }

    /// <summary>The entity name.</summary>
    public string Name { get; }

    /// <summary>The entity key.</summary>
    public string Key { get; }

    /// <summary>Parses the <c>@name@key</c> form.</summary>
    public static EntityInstanceId FromString(string instanceId)
    {
        ArgumentNullException.ThrowIfNull(instanceId);
        var second = instanceId.IndexOf('@', 1);
        if (instanceId.Length < 2 || instanceId[0] != '@' || second < 0)
        {
            throw new ArgumentException($"'{instanceId}' is not an entity instance id of the form @name@key.", nameof(instanceId));
        }

        return new EntityInstanceId(instanceId[1..second], instanceId[(second + 1)..]);
    }

    /// <inheritdoc />
    public override string ToString() => $"@{Name}@{Key}";
}
