-- Whether a job's energy (est_energy_j) was measured on its node or estimated from its tokens.
ALTER TABLE `jobs` ADD `energy_source` text;