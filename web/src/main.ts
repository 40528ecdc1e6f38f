// The dashboard's entry point (bundled by Vite into web/dist): styles, then the app.
import './style.css';
import { startDashboard } from './app.js';

startDashboard();
