"""The review app's widgets: stems with meters, the queue, the detail page, the transport."""
