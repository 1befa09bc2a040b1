"""Company visits (företagsbesök): plan, record, follow up."""
