@_exported import InfiniticTransport
