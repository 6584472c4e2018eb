using Microsoft.Azure.Functions.Worker;

namespace LocalRuntime.Functions.Host;

/// <summary>The host's <see cref="FunctionContext"/>.</summary>
internal sealed class LocalFunctionContext(FunctionDescriptor descriptor, IServiceProvider services, CancellationToken cancellation) : FunctionContext
{
    private readonly LocalFunctionDefinition _definition = new(descriptor);

    public override string InvocationId { get; } = Guid.NewGuid().ToString();

    public override string FunctionId => _definition.Id;

    public override FunctionDefinition FunctionDefinition => _definition;

    public override IServiceProvider InstanceServices { get; set; } = services;

    public override IDictionary<object, object> Items { get; set; } = new Dictionary<object, object>();

    public override CancellationToken CancellationToken => cancellation;

    private sealed class LocalFunctionDefinition(FunctionDescriptor descriptor) : FunctionDefinition
    {
        public override string Name => descriptor.Name;

        public override string Id => descriptor.Name;

        public override string EntryPoint => $"{descriptor.Method.DeclaringType?.FullName}.{descriptor.Method.Name}";
    }
}
