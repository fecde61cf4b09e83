import { defineConfig } from 'vite';
import { dashboardConfig } from './src/node/build.ts';

export default defineConfig(({ command }) => dashboardConfig(command));
